/**
 * The package's public surface: the root is the connector and its task; the reference service lives at
 * the `/service` subpath, for tests, the local stack and the bin.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as root from "../src";
import * as service from "@flyte-connectors/connector-model-training/service";

const run = promisify(execFile);

describe("@flyte-connectors/connector-model-training", () => {
  it("exports the connector, its task and `connectors` at the root, and nothing of the service", () => {
    expect(Object.keys(root).sort()).toEqual(["ModelTrainTask", "ModelTrainingConnector", "TASK_TYPE", "connectors"]);
  });

  it("exports the reference service at /service", () => {
    expect(Object.keys(service).sort()).toEqual([
      "InvalidSettingsError",
      "MAX_EPOCHS",
      "TERMINAL_STATUSES",
      "createJobRequestSchema",
      "isTerminalStatus",
      "startTrainingService",
    ]);
  });

  it("both entries resolve to the build with plain node, as a user's require does", async () => {
    const script = `
      const rootEntry = require.resolve("@flyte-connectors/connector-model-training");
      const serviceEntry = require.resolve("@flyte-connectors/connector-model-training/service");
      const { startTrainingService } = require(serviceEntry);
      const { connectors } = require(rootEntry);
      console.log(JSON.stringify({ rootEntry, serviceEntry, service: typeof startTrainingService, connectors: connectors.length }));`;
    const { stdout } = await run(process.execPath, ["-e", script], { cwd: __dirname, env: { ...process.env, NODE_OPTIONS: "" } });
    expect(JSON.parse(stdout)).toEqual({
      rootEntry: expect.stringMatching(/[\\/]connector-model-training[\\/]dist[\\/]index\.js$/),
      serviceEntry: expect.stringMatching(/[\\/]connector-model-training[\\/]dist[\\/]service[\\/]index\.js$/),
      service: "function",
      connectors: 1,
    });
  });

  it("loading the package loads neither axios nor zod: a server discovering it does not wait for them", async () => {
    const script = `
      const path = require("node:path");
      const loaded = (name) => Object.keys(require.cache).some((f) => f.includes(path.sep + name + path.sep));
      const { connectors } = require("@flyte-connectors/connector-model-training");
      console.log(JSON.stringify({ connectors: connectors.length, axios: loaded("axios"), zod: loaded("zod") }));`;
    const { stdout } = await run(process.execPath, ["-e", script], { cwd: __dirname, env: { ...process.env, NODE_OPTIONS: "" } });
    expect(JSON.parse(stdout)).toEqual({ connectors: 1, axios: false, zod: false });
  });
});
