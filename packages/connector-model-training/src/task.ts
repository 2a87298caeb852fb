import { AsyncConnectorExecutorMixin, TaskTemplate, types } from "@flyte-connectors/runtime";
import { TASK_TYPE } from "./connector";

export interface ModelTrainTaskOptions {
  /** Environment variable holding the service's API key locally (sent as the secret `api_key`). */
  apiKeyEnv?: string;
  /** Dashboard link template with `{endpoint}` and `{job_id}`; default `{endpoint}/{job_id}`. */
  dashboardUrlTemplate?: string;
  /** Attempts after the first on RETRYABLE_FAILED. Default 0. */
  retries?: number;
  /** Whole-task timeout in ms. */
  timeout?: number;
}

/**
 * The seed's task: train a model on `dataset_uri` for `epochs` epochs on the service at `endpoint`;
 * output `results` is the trained model file.
 *
 * @example
 * ```ts
 * const task = new ModelTrainTask("model_train", "http://localhost:8080/train");
 * const { results } = await task.execute({ epochs: 3, dataset_uri: "gs://my-bucket/dataset.csv" });
 * ```
 */
export class ModelTrainTask extends AsyncConnectorExecutorMixin(TaskTemplate) {
  override readonly interface = {
    inputs: { epochs: types.int, dataset_uri: types.string },
    outputs: { results: types.file },
  };

  constructor(
    name: string,
    readonly endpoint: string,
    private readonly options: ModelTrainTaskOptions = {},
  ) {
    super({
      name,
      taskType: TASK_TYPE,
      retries: options.retries,
      timeout: options.timeout,
      secrets: options.apiKeyEnv ? { api_key: options.apiKeyEnv } : {},
    });
  }

  override customConfig(): Record<string, unknown> {
    return this.options.dashboardUrlTemplate
      ? { endpoint: this.endpoint, dashboard_url_template: this.options.dashboardUrlTemplate }
      : { endpoint: this.endpoint };
  }
}
