/** The examples folder runs, and stays type-correct (the spec typecheck covers what tests import). */
import { PassThrough } from "node:stream";
import pino from "pino";
import { ConnectorRegistry, FlyteFile } from "@flyte-connectors/runtime";
import { ConnectorServer } from "@flyte-connectors/runtime/server";
import { createExecutionLogger, type Clock, type ExecutionEvent } from "@flyte-connectors/runtime/executor";
import { InMemoryTrainingConnector, ModelTrainTask, dataPrep, trainModel } from "../../examples/train-model";
import { countWords } from "../../examples/word-count";

const fast = { poll: { initialMs: 5, maxMs: 10 }, handleSignals: false };

/** Virtual time: sleeping advances it at once, so runs are instant and their elapsed times exact. */
function virtualClock(): Clock {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  };
}

describe("examples/train-model", () => {
  it("trainModel(epochs) runs dataPrep then the training task and returns the model file", async () => {
    const registry = new ConnectorRegistry([new InMemoryTrainingConnector()]);
    const events: ExecutionEvent[] = [];
    const results = await trainModel(3, {
      ...fast,
      registry,
      logger: pino({ level: "silent" }),
      onEvent: (e) => events.push(e),
    });
    expect(results).toBeInstanceOf(FlyteFile);
    expect(results.uri).toMatch(/^file:\/\/\/tmp\/models\/[0-9a-f]{32}\.bin$/);
    expect(await dataPrep()).toBe("gs://my-bucket/dataset.csv");
    const links = events.filter((e) => e.type === "log-link");
    expect(links).toEqual([
      expect.objectContaining({
        name: "training-dashboard",
        uri: expect.stringMatching(/^http:\/\/localhost:8080\/train\/[0-9a-f]{32}$/),
      }),
    ]);
    // One epoch per poll: the course of the run is the same on any machine.
    expect(
      events.map((e) =>
        e.type === "phase" || e.type === "progress" ? `${e.phaseName} ${e.message ?? ""}`.trim() : e.type,
      ),
    ).toEqual([
      "created",
      "RUNNING epoch 0/3",
      "log-link",
      "RUNNING epoch 1/3",
      "RUNNING epoch 2/3",
      "SUCCEEDED",
    ]);
  });

  it("the same trainModel drives a connector server over gRPC with { endpoint }", async () => {
    const server = new ConnectorServer({
      registry: new ConnectorRegistry([new InMemoryTrainingConnector()]),
      logLevel: "silent",
      processMetrics: false,
    });
    const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
    try {
      const results = await trainModel(2, {
        ...fast,
        endpoint: `127.0.0.1:${port}`,
        logger: pino({ level: "silent" }),
      });
      expect(results).toBeInstanceOf(FlyteFile);
      expect(results.uri).toMatch(/^file:\/\/\/tmp\/models\/[0-9a-f]{32}\.bin$/);
    } finally {
      await server.shutdown({ graceMs: 100 });
    }
  });

  it("the task class carries the seed's interface and custom config", () => {
    const proto = new ModelTrainTask("model_train", "http://svc/train").toProto();
    expect(proto.type).toBe("example_model_training");
    expect(proto.custom).toEqual({ endpoint: "http://svc/train" });
    expect(proto.interface?.inputs?.variables.map((v) => v.key)).toEqual(["epochs", "dataset_uri"]);
    expect(proto.interface?.outputs?.variables.map((v) => v.key)).toEqual(["results"]);
  });
});

describe("examples/word-count (docs/executor.md)", () => {
  it("counts the words with the default poll schedule and prints what the docs show", async () => {
    const terminal = new PassThrough() as PassThrough & { isTTY: boolean };
    terminal.isTTY = true;
    let text = "";
    terminal.on("data", (d: Buffer) => (text += d.toString()));
    const words = await countWords("to be or not to be", {
      logger: createExecutionLogger(terminal),
      handleSignals: false,
      clock: virtualClock(),
    });
    expect(words).toBe(6);
    expect(text.trimEnd().split("\n")).toEqual([
      "  +0.0s word_count created  attempt=1",
      "  +0.0s word_count RUNNING — counting",
      "  +1.0s word_count SUCCEEDED",
    ]);
  });
});
