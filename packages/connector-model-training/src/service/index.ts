/**
 * `@flyte-connectors/connector-model-training/service` — the reference model-training service: the HTTP
 * API the model-training connector talks to, for tests and the local stack. Kept off the package root so
 * loading the connector does not load the service.
 *
 * @example
 * ```ts
 * import { startTrainingService } from "@flyte-connectors/connector-model-training/service";
 *
 * const service = await startTrainingService({ epochMs: 20, queueMs: 20 });
 * await axios.post(service.endpoint, { dataset_uri: "gs://bucket/data.csv", epochs: 3 });
 * service.unavailable(2); // the next two requests get 503
 * await service.close();
 * ```
 *
 * @module
 */
export { startTrainingService } from "./training-service";
export type { RequestCounts, TrainingService, TrainingServiceOptions } from "./training-service";
export type { JobSnapshot } from "./training-jobs";
export { InvalidSettingsError } from "./options";
export { TERMINAL_STATUSES, MAX_EPOCHS, createJobRequestSchema, isTerminalStatus } from "./wire";
export type {
  CreateJobRequest,
  CreateJobResponse,
  ErrorResponse,
  JobProgress,
  JobView,
  LogLine,
  LogsPage,
  TrainingJobStatus,
} from "./wire";
