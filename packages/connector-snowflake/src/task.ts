import { AsyncConnectorExecutorMixin, TaskTemplate, types } from "@flyte-connectors/runtime";
import { TASK_TYPE } from "./connector";

export interface SnowflakeTaskOptions {
  /** Environment variable holding the API key when the task runs locally (sent as the secret `api_key`). */
  apiKeyEnv?: string;
  /** Attempts after the first on RETRYABLE_FAILED. Default 0. */
  retries?: number;
}

/**
 * A task run by the Snowflake Connector: sends `text` to the jobs API at `endpoint`; output `result` is the job's result.
 *
 * @example
 * ```ts
 * const task = new SnowflakeTask("shout", "http://127.0.0.1:8080", { apiKeyEnv: "SNOWFLAKE_API_KEY" });
 * const { result } = await task.execute({ text: "hello" });
 * ```
 */
export class SnowflakeTask extends AsyncConnectorExecutorMixin(TaskTemplate) {
  // Declared as a field, the interface types execute(): inputs and outputs are checked at compile time.
  override readonly interface = { inputs: { text: types.string }, outputs: { result: types.string } };

  constructor(
    name: string,
    readonly endpoint: string,
    options: SnowflakeTaskOptions = {},
  ) {
    super({
      name,
      taskType: TASK_TYPE,
      retries: options.retries,
      secrets: options.apiKeyEnv ? { api_key: options.apiKeyEnv } : {},
    });
  }

  override customConfig(): Record<string, unknown> {
    return { endpoint: this.endpoint };
  }
}
