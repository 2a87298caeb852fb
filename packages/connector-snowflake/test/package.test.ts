/** The package as a server discovering it loads it: light, with the connector ready. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

it("loading the package loads neither zod nor jose: a server discovering it does not wait for them", async () => {
  const script = `
    const path = require("node:path");
    const loaded = (name) => Object.keys(require.cache).some((f) => f.includes(path.sep + name + path.sep));
    const { connectors } = require("@flyte-connectors/connector-snowflake");
    console.log(JSON.stringify({ connectors: connectors.length, zod: loaded("zod"), jose: loaded("jose") }));`;
  const { stdout } = await promisify(execFile)(process.execPath, ["-e", script], {
    cwd: __dirname,
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  expect(JSON.parse(stdout)).toEqual({ connectors: 1, zod: false, jose: false });
});
