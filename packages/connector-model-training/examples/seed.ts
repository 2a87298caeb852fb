/**
 * The seed example end to end: the reference training service, the connector, and the seed's
 * `dataPrep` → `trainModel(epochs)` — locally (in process) or against a running `flyte-connector serve`.
 *
 * It runs in `npm test` (test/seed.test.ts, which prints what a user sees), and as a program after
 * `npm run build`:
 *
 *   npx tsx packages/connector-model-training/examples/seed.ts                  # in process, with its own training service
 *   npx tsx packages/connector-model-training/examples/seed.ts --endpoint 127.0.0.1:8000 \
 *     --service http://127.0.0.1:8080/train                                     # through `npm start`'s stack
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { defaultRegistry, type FlyteFile } from "@flyte-connectors/runtime";
import type { ExecuteOptions } from "@flyte-connectors/runtime/executor";
import { ModelTrainTask, ModelTrainingConnector } from "@flyte-connectors/connector-model-training";
import { startTrainingService } from "@flyte-connectors/connector-model-training/service";

/** Registers the connector into the default registry, as importing a connector module does. */
export function registerConnector(): void {
  if (!defaultRegistry.has({ name: "external_model_training", version: 0 }))
    defaultRegistry.register(new ModelTrainingConnector());
}

export async function dataPrep(): Promise<string> {
  return "gs://my-bucket/dataset.csv";
}

export async function trainModel(
  endpoint: string,
  epochs: number,
  options: ExecuteOptions = {},
): Promise<FlyteFile> {
  const datasetUri = await dataPrep();
  const task = new ModelTrainTask("model_train", endpoint, { apiKeyEnv: "MODEL_TRAINING_API_KEY" });
  const { results } = await task.execute({ epochs, dataset_uri: datasetUri }, options);
  return results;
}

const USAGE = `Usage: npx tsx packages/connector-model-training/examples/seed.ts [options]

Trains a model through the model-training connector and prints the model file.
  --epochs <n>           epochs to train (default 3)
  --service <url>        the training service's job endpoint (default: start the reference service here)
  --endpoint <host:port> run the task through a running flyte-connector serve (default: in process)
  --help                 this text`;

/** The program: progress on stderr (the executor's logger), the results on stdout. */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      epochs: { type: "string", default: "3" },
      service: { type: "string" },
      endpoint: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  // Without --service, the reference service runs here; its model files live until it closes.
  const service = values.service
    ? undefined
    : await startTrainingService({
        epochMs: 200,
        queueMs: 50,
        apiKey: process.env.MODEL_TRAINING_API_KEY || undefined,
      });
  try {
    if (!values.endpoint) registerConnector();
    const results = await trainModel(values.service ?? service!.endpoint, Number(values.epochs), {
      endpoint: values.endpoint,
    });
    console.log(`results: ${results.uri}`);
    if (results.uri.startsWith("file:")) console.log(readFileSync(fileURLToPath(results.uri), "utf8").trim());
  } finally {
    await service?.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
