/**
 * @flyte-connectors/connector-databricks — a Flyte 2 connector for task type `databricks`, and its task class.
 *
 * Serve it (the server finds this package by the `flyteConnector` field of its package.json):
 *
 *   npx flyte-connector serve --modules @flyte-connectors/connector-databricks
 *
 * Run one of its tasks locally, without a cluster or a server:
 *
 * @example
 * ```ts
 * import { DatabricksTask } from "@flyte-connectors/connector-databricks";
 *
 * const task = new DatabricksTask("shout", "http://127.0.0.1:8080", { apiKeyEnv: "DATABRICKS_API_KEY" });
 * const { result } = await task.execute({ text: "hello" });
 * ```
 *
 * @module
 */
import { DatabricksConnector } from "./connector";

export { TASK_TYPE, DatabricksConnector, type DatabricksJobMeta } from "./connector";
export { DatabricksTask, type DatabricksTaskOptions } from "./task";

/** What `flyte-connector serve` loads from this package. */
export const connectors = [new DatabricksConnector()];
