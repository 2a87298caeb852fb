/**
 * The package as a user loads it: what its root exports, and that loading it does not load the Google
 * client (a `flyte-connector serve` that discovers this package must not pay for it at start).
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { startEmulator, type RunningEmulator } from "@flyte-connectors/bigquery-emulator";
import * as root from "../src";
import { PROJECT, SEED } from "./support";

const run = promisify(execFile);

describe("@flyte-connectors/connector-bigquery", () => {
  it("exports the connector, the task and their types; not the client cache, config parsing or parameters", () => {
    expect(Object.keys(root).sort()).toEqual(["BigQueryConnector", "BigQueryTask", "NO_OUTPUTS_LABEL", "TASK_TYPE", "connectors"]);
  });

  describe("the built entry, with plain node", () => {
    let emulator: RunningEmulator;
    beforeAll(async () => {
      emulator = await startEmulator({ project: PROJECT, data: SEED, jobDelayMs: 5 });
    });
    afterAll(async () => {
      await emulator?.close();
    });

    it("does not load @google-cloud/bigquery (or zod) until first used; the first BigQuery call then works", async () => {
      const { stdout } = await run(process.execPath, [path.join(__dirname, "fixtures/first-call.cjs")], {
        env: { ...process.env, NODE_OPTIONS: "", EMULATOR_URL: emulator.url, PROJECT, METADATA_SERVER_DETECTION: "none" },
        timeout: 30_000,
      });
      const report = JSON.parse(stdout.trim().split("\n").pop()!);
      expect(report).toEqual({
        entry: expect.stringMatching(/[\\/]connector-bigquery[\\/]dist[\\/]index\.js$/),
        afterRequire: false,
        zodAfterRequire: false,
        afterTask: false,
        afterCall: true,
        uri: expect.stringMatching(new RegExp(`^bq://${PROJECT}:`)),
      });
    });
  });
});
