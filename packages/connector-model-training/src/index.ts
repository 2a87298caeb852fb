/**
 * @flyte-connectors/connector-model-training — run `external_model_training` tasks on a model-training
 * service. The reference service itself, for tests and local runs, is the subpath
 * `@flyte-connectors/connector-model-training/service` (and the `model-training-service` bin).
 *
 * @example Serve the connector (the package declares `flyteConnector`, so no flags are needed):
 * ```sh
 * npx flyte-connector serve
 * ```
 *
 * @example Run the reference service and a job against it from code:
 * ```ts
 * import { ConnectorRegistry } from "@flyte-connectors/runtime";
 * import { ModelTrainTask, connectors } from "@flyte-connectors/connector-model-training";
 * import { startTrainingService } from "@flyte-connectors/connector-model-training/service";
 *
 * const service = await startTrainingService({ port: 8080 });
 * const task = new ModelTrainTask("model_train", service.endpoint);
 * const { results } = await task.execute(
 *   { epochs: 3, dataset_uri: "gs://my-bucket/dataset.csv" },
 *   { registry: new ConnectorRegistry(connectors) },
 * );
 * ```
 *
 * @module
 */
import { ModelTrainingConnector } from "./connector";

export { ModelTrainingConnector, TASK_TYPE, type ModelTrainJobMeta, type ModelTrainingConnectorOptions } from "./connector";
export type { RetryPolicy } from "./http";
export { ModelTrainTask, type ModelTrainTaskOptions } from "./task";

/** What `flyte-connector serve` loads from this package. */
export const connectors = [new ModelTrainingConnector()];
