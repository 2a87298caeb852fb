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
 * @module
 */
import { BigQueryConnector } from "./connector";

export { BigQueryConnector, TASK_TYPE, type BigQueryConnectorOptions, type BigQueryJobMeta } from "./connector";
export { BigQueryClients, type ClientCacheOptions } from "./clients";
export { parseCustomConfig, type BigQueryCustomConfig } from "./config";
export { queryParameters, parseParameterType, type QueryParameter, type QueryParameterType, type QueryParameterValue } from "./params";

/** What `flyte-connector serve` loads from this package. */
export const connectors = [new BigQueryConnector()];
