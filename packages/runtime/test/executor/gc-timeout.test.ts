/** A local run's per-call timeout fires under garbage-collector pressure (see the fixture for why). */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

it("a hung call times out and the run gives up, with gc() running all the time", async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--expose-gc", path.join(__dirname, "../fixtures/gc-timeout.cjs"), "50"],
    { cwd: path.resolve(__dirname, "../.."), timeout: 60_000 },
  );
  expect(stdout.trim()).toBe(
    "rejected: gave up after 3 failed polls in a row; the last: the call's deadline passed",
  );
}, 90_000);
