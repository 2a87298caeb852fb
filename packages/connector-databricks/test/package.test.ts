/** The package as a server discovering it loads it: light, with the connector ready. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

it("loading the package does not load zod: a server discovering it does not wait for it", async () => {
  const script = `
    const path = require("node:path");
    const loaded = (name) => Object.keys(require.cache).some((f) => f.includes(path.sep + name + path.sep));
    const { connectors } = require("@flyte-connectors/connector-databricks");
    console.log(JSON.stringify({ connectors: connectors.length, zod: loaded("zod") }));`;
  const { stdout } = await run(process.execPath, ["-e", script], {
    cwd: __dirname,
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  expect(JSON.parse(stdout)).toEqual({ connectors: 1, zod: false });
});
