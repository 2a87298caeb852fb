/**
 * examples/seed.ts as a program, the way the README runs it (`npx tsx ...` from the repository root, on
 * the built packages): in process with its own training service, and through a connector server.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { ConnectorRegistry } from "@flyte-connectors/runtime";
import { ConnectorServer } from "@flyte-connectors/runtime/server";
import {
  startTrainingService,
  type TrainingService,
} from "@flyte-connectors/connector-model-training/service";
import { connectors } from "../src";

const root = path.resolve(__dirname, "../../..");

function seed(...args: string[]) {
  return promisify(execFile)(
    "npx",
    ["--no-install", "tsx", "packages/connector-model-training/examples/seed.ts", ...args],
    { cwd: root, env: { ...process.env, NODE_OPTIONS: "", MODEL_TRAINING_API_KEY: "" }, timeout: 60_000 },
  );
}

/** The model file's contents, printed after the results line. */
function model(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.slice(stdout.indexOf("{")));
}

describe("examples/seed.ts run with tsx", () => {
  it("with no options: starts the reference service, trains 3 epochs in process, prints the model", async () => {
    const { stdout } = await seed();
    expect(stdout).toMatch(/^results: file:\/\/\/\S+\.model\.json\n/);
    expect(model(stdout)).toMatchObject({ epochs: 3, dataset_uri: "gs://my-bucket/dataset.csv" });
  });

  describe("against a running service and connector server", () => {
    let service: TrainingService;
    let server: ConnectorServer;
    let port: number;

    beforeAll(async () => {
      service = await startTrainingService({ epochMs: 20, queueMs: 10 });
      server = new ConnectorServer({
        registry: new ConnectorRegistry(connectors),
        logLevel: "silent",
        processMetrics: false,
      });
      ({ port } = await server.listen({ host: "127.0.0.1", port: 0 }));
    });

    afterAll(async () => {
      await server.shutdown({ graceMs: 100 });
      await service.close();
    });

    it("--endpoint host:port --service <url>: the job is made on that service, through the server", async () => {
      const before = service.jobs().length;
      const { stdout } = await seed(
        "--endpoint",
        `127.0.0.1:${port}`,
        "--service",
        service.endpoint,
        "--epochs",
        "2",
      );
      expect(model(stdout)).toMatchObject({ epochs: 2 });
      expect(service.jobs().length - before).toBe(1);
    });

    it("an endpoint given as a URL fails at once, naming the form expected", async () => {
      const error = await seed("--endpoint", `http://127.0.0.1:${port}`, "--service", service.endpoint).catch(
        (e: { code: number; stderr: string }) => e,
      );
      expect(error).toMatchObject({ code: 1 });
      expect((error as { stderr: string }).stderr).toMatch(
        /endpoint must be host:port .*drop the "http:\/\/"/,
      );
    });
  });

  it("--help lists the options", async () => {
    const { stdout } = await seed("--help");
    for (const flag of ["--epochs", "--service", "--endpoint"]) expect(stdout).toContain(flag);
  });
});
