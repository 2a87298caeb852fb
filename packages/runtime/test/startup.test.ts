/** What start-up loads: optional heavy modules wait for their first use (a deterministic start-up check). */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

it("a server is SERVING before metrics, reflection, the call pipeline, the service codecs, protobuf-es reflection, msgpack, zod, pino-pretty or the executor are loaded", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(__dirname, "fixtures/startup-modules.cjs")], {
    cwd: path.resolve(__dirname, ".."),
    env: { ...process.env, NODE_OPTIONS: "" },
    timeout: 30_000,
  });
  const { rootCodecs, rootConversion, atServing, afterServing } = JSON.parse(stdout.trim().split("\n").pop()!);
  // The package root loads the generated enums only; message codecs and literal conversion wait for their first use.
  expect(rootCodecs).toEqual([]);
  expect(rootConversion).toEqual([]);
  expect(atServing).toEqual([]);
  // Nor right after: prom-client waits for the first scrape, the descriptors for the first reflection call.
  expect(afterServing).toEqual([]);
});
