/**
 * @flyte-connectors/connector-snowflake — the Snowflake connector: a drop-in for flyte-sdk's
 * `flyteplugins-snowflake` (task type `snowflake`, version 0), stateless on the Snowflake SQL API v2 with
 * key-pair JWT authentication, and `SnowflakeTask`.
 *
 * Serve it (the server finds this package by the `flyteConnector` field of its package.json):
 *
 *   npx flyte-connector serve --modules @flyte-connectors/connector-snowflake
 *
 * Run a parameterized query from TypeScript; its result comes back as a `snowflake://` DataFrame:
 *
 * @example
 * ```ts
 * import { types } from "@flyte-connectors/runtime";
 * import { SnowflakeTask } from "@flyte-connectors/connector-snowflake";
 *
 * const task = new SnowflakeTask("active_users", {
 *   queryTemplate: "SELECT USER_ID, NAME FROM USERS WHERE IS_ACTIVE AND SIGNUP_DATE >= %(since)s",
 *   pluginConfig: { account: "myorg-acct", user: "FLYTE", database: "SAMPLES", schema: "PUBLIC", warehouse: "WH" },
 *   inputs: { since: types.string },
 *   outputDataFrameType: types.dataframe,
 *   snowflakePrivateKey: "snowflake_private_key", // the PEM key, from SNOWFLAKE_PRIVATE_KEY when run locally
 * });
 * const { results } = await task.execute({ since: "2024-02-01" }, { endpoint: "127.0.0.1:8000" });
 * results.uri; // "snowflake://FLYTE/myorg-acct/WH/SAMPLES/PUBLIC/<query id>"
 * ```
 *
 * @module
 */
import { SnowflakeConnector } from "./connector";

export { API_URL_ENV, TASK_TYPE, SnowflakeConnector, type SnowflakeJobMeta } from "./connector";
export { OAUTH_TOKEN_SECRET, PASSPHRASE_SECRET, PRIVATE_KEY_SECRET } from "./auth";
export { parseResultsUri, readResults, type ReadResultsOptions, type ResultSet } from "./results";
export {
  SnowflakeTask,
  type SnowflakeConfig,
  type SnowflakeOutputs,
  type SnowflakeTaskOptions,
} from "./task";

/** What `flyte-connector serve` loads from this package. */
export const connectors = [new SnowflakeConnector()];
