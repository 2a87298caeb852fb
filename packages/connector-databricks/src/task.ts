import {
  AsyncConnectorExecutorMixin,
  ConfigurationError,
  TaskTemplate,
  type Duration,
  type TaskInterface,
  type TypeShape,
} from "@flyte-connectors/runtime";
import { TASK_TYPE, TOKEN_SECRET } from "./connector";
import { TASK_KINDS, baseUrlOf, type TaskKind } from "./job-spec";

/**
 * A Jobs API `runs/submit` body (https://docs.databricks.com/api/workspace/jobs/submit), passed through as
 * is: one task (`notebook_task`, `spark_python_task`, `spark_jar_task`, `sql_task`, ...), its cluster
 * (`new_cluster` or `existing_cluster_id`; a `sql_task` names a `warehouse_id` instead), `run_name`,
 * `timeout_seconds`, `libraries`, ... Field names are Databricks' own (snake_case).
 */
export type DatabricksJobConf = Record<string, unknown> & Partial<Record<TaskKind, Record<string, unknown>>>;

export interface DatabricksTaskOptions<I extends TypeShape> {
  /** The run to submit, in the Jobs API shape; the task's inputs become its task's parameters. */
  databricksConf: DatabricksJobConf;
  /**
   * The workspace: a host (`myorg.cloud.databricks.com`, reached over https) or a URL with a scheme
   * (`http://127.0.0.1:9060`, the local emulator). Default: the connector's `FLYTE_DATABRICKS_INSTANCE`.
   */
  databricksInstance?: string;
  /** Spark configuration for a `new_cluster` that sets no `spark_conf` (the Python plugin's `spark_conf`). */
  sparkConf?: Record<string, string>;
  /** Hadoop configuration, carried in the config as the Python plugin does. */
  hadoopConf?: Record<string, string>;
  /**
   * Inputs, by name and type: each becomes a parameter of the run's task — a named parameter of a
   * notebook (`base_parameters`), SQL (`parameters`) or wheel task (`named_parameters`), or an item
   * `--name=value` appended to a Python, JAR or spark-submit task's `parameters`.
   */
  inputs?: I;
  /** Environment variable holding the token when the task runs locally (sent as the secret `databricks_token`). Default `DATABRICKS_TOKEN`. */
  tokenEnv?: string;
  /** Attempts after the first on RETRYABLE_FAILED (Databricks' internal errors). Default 0. */
  retries?: number;
  timeout?: number | Duration;
}

/**
 * A run on Databricks: a notebook, Python file, JAR or SQL task, submitted by the Databricks connector
 * (task type `databricks`) with the task's typed inputs as parameters. No outputs: the run's results
 * stay where it writes them; its output shows as the task's logs.
 *
 * @example
 * ```ts
 * const report = new DatabricksTask("nightly_report", {
 *   databricksInstance: "myorg.cloud.databricks.com",
 *   databricksConf: {
 *     run_name: "nightly report",
 *     existing_cluster_id: "0101-123456-abcdefgh",
 *     notebook_task: { notebook_path: "/Shared/reports/nightly" },
 *   },
 *   inputs: { day: types.string },
 * });
 * await report.execute({ day: "2024-05-01" }); // base_parameters: { day: "2024-05-01" }
 * ```
 */
export class DatabricksTask<I extends TypeShape = Record<never, never>> extends AsyncConnectorExecutorMixin(
  TaskTemplate,
) {
  declare readonly interface: TaskInterface<I, Record<never, never>>;
  readonly databricksConf: Readonly<DatabricksJobConf>;
  readonly databricksInstance: string | undefined;
  readonly sparkConf: Readonly<Record<string, string>> | undefined;
  readonly hadoopConf: Readonly<Record<string, string>> | undefined;

  constructor(name: string, options: DatabricksTaskOptions<I>) {
    super({
      name,
      taskType: TASK_TYPE,
      interface: { inputs: options.inputs ?? ({} as I), outputs: {} },
      retries: options.retries,
      timeout: options.timeout,
      secrets: { [TOKEN_SECRET]: options.tokenEnv ?? "DATABRICKS_TOKEN" },
    });
    const conf = options.databricksConf;
    if (!conf || typeof conf !== "object" || Array.isArray(conf)) {
      throw new ConfigurationError(
        `Databricks task "${name}" needs a databricksConf (a Jobs API runs/submit body)`,
      );
    }
    const kinds = TASK_KINDS.filter((k) => conf[k] !== undefined);
    if (kinds.length !== 1) {
      throw new ConfigurationError(
        `Databricks task "${name}": databricksConf must name exactly one of ${TASK_KINDS.join(", ")}; it names ${kinds.length ? kinds.join(", ") : "none"}`,
      );
    }
    if (options.databricksInstance !== undefined) baseUrlOf(options.databricksInstance, "databricksInstance");
    this.databricksConf = structuredClone(conf);
    this.databricksInstance = options.databricksInstance;
    this.sparkConf = options.sparkConf && { ...options.sparkConf };
    this.hadoopConf = options.hadoopConf && { ...options.hadoopConf };
  }

  /** The Python plugin's custom config (a SparkJob as JSON), without its container-only fields. */
  override customConfig(): Record<string, unknown> {
    return {
      ...(this.sparkConf ? { sparkConf: this.sparkConf } : {}),
      ...(this.hadoopConf ? { hadoopConf: this.hadoopConf } : {}),
      databricksConf: this.databricksConf,
      ...(this.databricksInstance ? { databricksInstance: this.databricksInstance } : {}),
      secrets: { [TOKEN_SECRET]: this.secrets[TOKEN_SECRET] },
    };
  }
}
