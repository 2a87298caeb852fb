/** The examples folder runs, and stays type-correct (the spec typecheck covers what tests import). */
import pino from "pino";
import { ConnectorRegistry, FlyteFile } from "../../src";
import { InMemoryTrainingConnector, ModelTrainTask, dataPrep, trainModel } from "../../examples/train-model";
import { LogCapture } from "../../../../tools/test-support/log-capture";

describe("examples/train-model", () => {
  it("trainModel(epochs) runs dataPrep then the training task and returns the model file", async () => {
    const registry = new ConnectorRegistry([new InMemoryTrainingConnector(10)]);
    const logs = new LogCapture();
    const results = await trainModel(3, { registry, poll: { initialMs: 5, maxMs: 10 }, logger: pino({ base: undefined }, logs) });
    expect(results).toBeInstanceOf(FlyteFile);
    expect(results.uri).toMatch(/^file:\/\/\/tmp\/models\/[0-9a-f]{32}\.bin$/);
    expect(await dataPrep()).toBe("gs://my-bucket/dataset.csv");
    const links = logs.records().filter((r) => r.msg === "log link: training-dashboard");
    expect(links).toHaveLength(1);
    expect(links[0].uri).toMatch(/^http:\/\/localhost:8080\/train\/[0-9a-f]{32}$/);
  });

  it("the task class carries the seed's interface and custom config", () => {
    const proto = new ModelTrainTask("model_train", "http://svc/train").toProto();
    expect(proto.custom).toEqual({ endpoint: "http://svc/train" });
    expect(proto.interface?.inputs?.variables.map((v) => v.key)).toEqual(["epochs", "dataset_uri"]);
  });
});
