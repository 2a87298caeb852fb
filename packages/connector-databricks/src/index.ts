/**
 * @flyte-connectors/connector-databricks — the Databricks connector: a drop-in for flyte-sdk's
 * `flyteplugins-databricks` (task type `databricks`, version 0) on the Jobs API 2.1, and `DatabricksTask`.
 *
 * Serve it (the server finds this package by the `flyteConnector` field of its package.json):
 *
 *   npx flyte-connector serve --modules @flyte-connectors/connector-databricks
 *
 * Run a notebook on Databricks from TypeScript, with typed inputs as its parameters:
 *
 * @example
 * ```ts
 * import { types } from "@flyte-connectors/runtime";
 * import { DatabricksTask } from "@flyte-connectors/connector-databricks";
 *
 * const task = new DatabricksTask("nightly_report", {
 *   databricksInstance: "myorg.cloud.databricks.com",
 *   databricksConf: { existing_cluster_id: "0101-123456-abcdefgh", notebook_task: { notebook_path: "/Shared/nightly" } },
 *   inputs: { day: types.string },
 * });
 * await task.execute({ day: "2024-05-01" }, { endpoint: "127.0.0.1:8000" }); // token from DATABRICKS_TOKEN
 * ```
 *
 * @module
 */
import { DatabricksConnector } from "./connector";

export { TASK_TYPE, TOKEN_SECRET, DatabricksConnector, type DatabricksJobMeta } from "./connector";
export { DatabricksTask, type DatabricksJobConf, type DatabricksTaskOptions } from "./task";
export {
  ENTRYPOINT_GIT_SOURCE,
  ENTRYPOINT_PYTHON_FILE,
  INSTANCE_ENV,
  PARAMETER_SLOTS,
  TASK_KINDS,
  baseUrlOf,
  jobSpecOf,
  nativeJobSpec,
  parameterText,
  pythonJobSpec,
  type TaskKind,
} from "./job-spec";
export { LIFE_CYCLE_PHASES, RESULT_PHASES, phaseOfState, type RunStateView } from "./states";

/** What `flyte-connector serve` loads from this package. */
export const connectors = [new DatabricksConnector()];
