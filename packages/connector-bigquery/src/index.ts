/**
 * @flyte-connectors/connector-bigquery — run BigQuery SQL tasks from Flyte: a drop-in for the Python
 * plugin's `bigquery_query_job_task` connector, with idempotent creates.
 *
 * @example Serve it (the package declares `flyteConnector`):
 * ```sh
 * npx flyte-connector serve
 * # against a local emulator:
 * BIGQUERY_EMULATOR_HOST=http://127.0.0.1:9050 npx flyte-connector serve
 * ```
 *
 * @example A task, run through a connector server (or in process without `endpoint`):
 * ```ts
 * import { BigQueryTask } from "@flyte-connectors/connector-bigquery";
 * import { types } from "@flyte-connectors/runtime";
 *
 * const activeUsers = new BigQueryTask("active_users", {
 *   queryTemplate: "SELECT user_id, name FROM samples.users WHERE is_active AND signup_date >= @since",
 *   pluginConfig: { ProjectID: "local-project", QueryParameterTypes: { since: "DATE" } },
 *   inputs: { since: types.string },
 *   outputDataFrameType: types.dataframe,
 * });
 * const { results } = await activeUsers.execute({ since: "2024-02-01" }, { endpoint: "127.0.0.1:8000" });
 * // results.uri = "bq://local-project:<dataset>.<table>"
 * ```
 *
 * Loading this module does not load `@google-cloud/bigquery`: the first BigQuery call does.
 *
 * @module
 */
import { BigQueryConnector } from "./connector";

export {
  BigQueryConnector,
  NO_OUTPUTS_LABEL,
  TASK_TYPE,
  type BigQueryConnectorOptions,
  type BigQueryJobMeta,
} from "./connector";
export {
  BigQueryTask,
  type BigQueryConfig,
  type BigQueryOutputs,
  type BigQueryTaskOptions,
  type QueryJobConfig,
} from "./task";
export type { ClientCacheOptions } from "./clients";
export type { BigQueryCustomConfig } from "./config";

/** What `flyte-connector serve` loads from this package. */
export const connectors = [new BigQueryConnector()];
