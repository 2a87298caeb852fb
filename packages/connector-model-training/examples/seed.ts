/**
 * The seed example end to end: the reference training service, the connector, and the seed's
 * `dataPrep` → `trainModel(epochs)` — locally (in process) or against a running `flyte-connector serve`.
 *
 * It runs in `npm test` (test/seed.test.ts), which prints what a user sees.
 */
import { defaultRegistry, type FlyteFile } from "@flyte-connectors/runtime";
import type { ExecuteOptions } from "@flyte-connectors/runtime/executor";
import { ModelTrainTask, ModelTrainingConnector } from "../src";

/** Registers the connector into the default registry, as importing a connector module does. */
export function registerConnector(): void {
  if (!defaultRegistry.has({ name: "external_model_training", version: 0 })) defaultRegistry.register(new ModelTrainingConnector());
}

export async function dataPrep(): Promise<string> {
  return "gs://my-bucket/dataset.csv";
}

export async function trainModel(endpoint: string, epochs: number, options: ExecuteOptions = {}): Promise<FlyteFile> {
  const datasetUri = await dataPrep();
  const task = new ModelTrainTask("model_train", endpoint, { apiKeyEnv: "MODEL_TRAINING_API_KEY" });
  const { results } = await task.execute({ epochs, dataset_uri: datasetUri }, options);
  return results;
}
