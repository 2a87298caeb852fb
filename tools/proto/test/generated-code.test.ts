/**
 * CI fails when regenerating the wire types would change anything: the committed descriptor set and
 * packages/runtime/src/gen must be exactly what the pinned @flyteorg/flyteidl2 produces.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(__dirname, "../../..");

it("committed generated code matches a fresh generation from @flyteorg/flyteidl2", () => {
  const result = spawnSync(process.execPath, [path.join(root, "tools/proto/src/generate.mjs"), "--check"], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
  });
  expect(result.stderr).not.toContain("out of date");
  expect(result.stdout).toContain("proto: generated code is up to date");
  expect(result.status).toBe(0);
}, 120_000);
