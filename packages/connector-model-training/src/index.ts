/**
 * @flyte-connectors/connector-model-training — run `external_model_training` tasks on a model-training
 * service, plus the reference service itself for tests and local runs.
 *
 * @example Serve the connector (the package declares `flyteConnector`, so no flags are needed):
 * ```sh
 * npx flyte-connector serve
 * ```
 *
 * @example Run the reference service and a job against it from code:
 * ```ts
 * import { ModelTrainingConnector, startTrainingService } from "@flyte-connectors/connector-model-training";
 * import { ConnectorRegistry } from "@flyte-connectors/runtime";
 * import { ConnectorServer } from "@flyte-connectors/runtime/server";
 *
 * const service = await startTrainingService({ port: 8080 });
 * const server = new ConnectorServer({ registry: new ConnectorRegistry([new ModelTrainingConnector()]) });
 * await server.listen({ port: 8000 });
 * // A task with custom config { endpoint: service.endpoint } and inputs { dataset_uri, epochs } now runs.
 * ```
 *
 * @module
 */
import { ModelTrainingConnector } from "./connector";

export { ModelTrainingConnector, TASK_TYPE, type ModelTrainJobMeta, type ModelTrainingConnectorOptions } from "./connector";
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./http";
export { ModelTrainTask, type ModelTrainTaskOptions } from "./task";
export {
  InvalidSettingsError,
  MAX_EPOCHS,
  TERMINAL_STATUSES,
  createJobRequestSchema,
  isTerminalStatus,
  startTrainingService,
  type CreateJobRequest,
  type CreateJobResponse,
  type ErrorResponse,
  type JobProgress,
  type JobSnapshot,
  type JobView,
  type LogLine,
  type LogsPage,
  type RequestCounts,
  type TrainingJobStatus,
  type TrainingService,
  type TrainingServiceOptions,
} from "./service";

/** What `flyte-connector serve` loads from this package. */
export const connectors = [new ModelTrainingConnector()];
