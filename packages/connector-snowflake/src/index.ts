/**
 * @flyte-connectors/connector-snowflake — a Flyte 2 connector for task type `snowflake`, and its task class.
 *
 * Serve it (the server finds this package by the `flyteConnector` field of its package.json):
 *
 *   npx flyte-connector serve --modules @flyte-connectors/connector-snowflake
 *
 * Run one of its tasks locally, without a cluster or a server:
 *
 * @example
 * ```ts
 * import { SnowflakeTask } from "@flyte-connectors/connector-snowflake";
 *
 * const task = new SnowflakeTask("shout", "http://127.0.0.1:8080", { apiKeyEnv: "SNOWFLAKE_API_KEY" });
 * const { result } = await task.execute({ text: "hello" });
 * ```
 *
 * @module
 */
import { SnowflakeConnector } from "./connector";

export { TASK_TYPE, SnowflakeConnector, type SnowflakeJobMeta } from "./connector";
export { SnowflakeTask, type SnowflakeTaskOptions } from "./task";

/** What `flyte-connector serve` loads from this package. */
export const connectors = [new SnowflakeConnector()];
