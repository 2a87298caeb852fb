/**
 * The seed example end to end through the executor, against the real reference service over HTTP:
 * in process, and remote through a real `ConnectorServer` over gRPC.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PassThrough } from "node:stream";
import { ConnectorServer } from "@flyte-connectors/runtime/server";
import { FlyteFile, defaultRegistry } from "@flyte-connectors/runtime";
import { TaskAbortedError, createExecutionLogger } from "@flyte-connectors/runtime/executor";
import { ModelTrainTask } from "../src";
import { startTrainingService, type TrainingService } from "@flyte-connectors/connector-model-training/service";
import { registerConnector, trainModel } from "../examples/seed";

const API_KEY = "seed-key-Hq3Lm9Zt";
let service: TrainingService;

beforeAll(async () => {
  service = await startTrainingService({ epochMs: 25, queueMs: 10, apiKey: API_KEY });
  process.env.MODEL_TRAINING_API_KEY = API_KEY;
  registerConnector();
});

afterAll(async () => {
  delete process.env.MODEL_TRAINING_API_KEY;
  await service.close();
});

/** The executor's human-readable progress, as a terminal shows it. */
function terminal() {
  const stream = new PassThrough() as PassThrough & { isTTY: boolean };
  stream.isTTY = true;
  let text = "";
  stream.on("data", (d) => (text += d));
  return { logger: createExecutionLogger(stream as unknown as NodeJS.WriteStream), text: () => text };
}

const fast = { poll: { initialMs: 20, multiplier: 1.5, maxMs: 100 } };

describe("the seed example, end to end", () => {
  it("in process: dataPrep → trainModel(3) returns the trained model file, progress printed once per change", async () => {
    const out = terminal();
    const results = await trainModel(service.endpoint, 3, { ...fast, logger: out.logger });
    expect(results).toBeInstanceOf(FlyteFile);
    expect(existsSync(fileURLToPath(results.uri))).toBe(true);
    const printed = out.text();
    process.stdout.write(`\n--- seed example (in process) ---\n${printed}`);
    expect(printed).toMatch(/model_train created/);
    expect(printed).toMatch(/model_train log link: Training Dashboard/);
    expect(printed.match(/log link/g)).toHaveLength(1);
    expect(printed).toMatch(/model_train SUCCEEDED/);
    expect(printed).not.toContain(API_KEY);
  });

  it("remote: the same call against a running connector server over gRPC", async () => {
    const server = new ConnectorServer({ registry: defaultRegistry, logLevel: "silent", processMetrics: false });
    const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
    try {
      const out = terminal();
      const before = service.jobs().length;
      const results = await trainModel(service.endpoint, 3, { ...fast, logger: out.logger, endpoint: `127.0.0.1:${port}` });
      process.stdout.write(`\n--- seed example (remote, over gRPC) ---\n${out.text()}`);
      expect(results).toBeInstanceOf(FlyteFile);
      expect(existsSync(fileURLToPath(results.uri))).toBe(true);
      expect(service.jobs().length - before).toBe(1);
    } finally {
      await server.shutdown({ graceMs: 200 });
    }
  });

  it("an abort mid-training cancels the job on the service", async () => {
    const controller = new AbortController();
    const task = new ModelTrainTask("model_train", service.endpoint, { apiKeyEnv: "MODEL_TRAINING_API_KEY" });
    const running = task.execute({ epochs: 500, dataset_uri: "gs://b/d.csv" }, { ...fast, signal: controller.signal, logger: terminal().logger });
    await new Promise((r) => setTimeout(r, 150));
    controller.abort();
    const error = await running.catch((e) => e);
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect(error.deleted).toBe(true);
    const last = service.jobs().at(-1)!;
    expect(last.status).toBe("cancelled");
  });
});
