/**
 * The examples as programs, the way the README runs them: `npx tsx packages/runtime/examples/<file>.ts`
 * from the repository root, against the built packages.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

const root = path.resolve(__dirname, "../../../..");

function tsx(example: string, ...args: string[]) {
  return promisify(execFile)(
    "npx",
    ["--no-install", "tsx", path.join("packages/runtime/examples", example), ...args],
    { cwd: root, env: { ...process.env, NODE_OPTIONS: "" }, timeout: 60_000 },
  );
}

describe("runtime examples run with tsx", () => {
  it("word-count.ts prints the count of its arguments' words (6 by default)", async () => {
    expect((await tsx("word-count.ts")).stdout).toBe("6\n");
    const { stdout, stderr } = await tsx("word-count.ts", "one", "two three");
    expect(stdout).toBe("3\n");
    // Progress goes to stderr: JSON lines here, where stderr is not a terminal.
    expect(stderr).toMatch(/"msg":"SUCCEEDED"/);
  });

  it("train-model.ts prints the trained model file's URI", async () => {
    const { stdout, stderr } = await tsx("train-model.ts");
    expect(stdout).toMatch(/^file:\/\/\/tmp\/models\/[0-9a-f]{32}\.bin\n$/);
    expect(stderr).toMatch(/"message":"epoch 2\/3"/);
  });
});
