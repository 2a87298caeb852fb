/**
 * The README's walkthrough: examples/active-users.mjs, run with plain `node` as a user would, against
 * the emulator holding the sample data `npm start` loads and a real connector server.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { startStack, type Stack } from "./support";

const run = promisify(execFile);
const example = path.join(__dirname, "../examples/active-users.mjs");
const sampleData = path.join(__dirname, "../../bigquery-emulator/data/sample.yaml");

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ project: "local-project", data: sampleData, jobDelayMs: 20 });
});

afterAll(async () => {
  await stack?.close();
});

function runExample(...args: string[]) {
  return run(
    process.execPath,
    [example, "--endpoint", stack.address, "--emulator", stack.emulator.url, ...args],
    {
      env: { ...process.env, NODE_OPTIONS: "" },
      timeout: 30_000,
    },
  );
}

describe("examples/active-users.mjs", () => {
  it("through the connector server: prints the result table's URI and its rows", async () => {
    const { stdout } = await runExample("--since", "2024-02-01");
    expect(stdout).toMatch(/^results: bq:\/\/local-project:\S+/m);
    // Active users who signed up on or after 2024-02-01: Grace Hopper and Katherine Johnson (Alan Turing is inactive).
    expect(stdout).toMatch(/Grace Hopper/);
    expect(stdout).toMatch(/Katherine Johnson/);
    expect(stdout).not.toMatch(/Alan Turing|Ada Lovelace/);
  });

  it("--local runs the connector in process, with the same answer", async () => {
    const { stdout } = await runExample("--local", "--since", "2024-04-01");
    expect(stdout).toMatch(/Katherine Johnson/);
    expect(stdout).not.toMatch(/Grace Hopper/);
  });

  it("--help explains the options", async () => {
    const { stdout } = await runExample("--help");
    expect(stdout).toMatch(/--since <date>/);
    expect(stdout).toMatch(/--local/);
  });

  it("a bad date fails with BigQuery's message and exit code 1", async () => {
    const failure = await runExample("--since", "not-a-date").catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toMatch(/active_users/);
  });
});
