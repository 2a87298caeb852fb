/**
 * The `databricks-emulator` command line: parsing in process, then the committed bin shim as a real
 * child process (--help, --version, a bad flag, and a start with JSON logs that never show the token).
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { DEFAULT_CLI_TOKEN, parseCli, type CliOutcome } from "../src";

const BIN = path.join(__dirname, "../bin/databricks-emulator.js");
const VERSION = (
  JSON.parse(readFileSync(path.join(__dirname, "../package.json"), "utf8")) as { version: string }
).version;

function parse(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { outcome: CliOutcome; out: string; err: string } {
  let out = "";
  let err = "";
  const outcome = parseCli(args, { out: (s) => (out += s), err: (s) => (err += s) }, env);
  return { outcome, out, err };
}

const run = (args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });

describe("databricks-emulator command line (in process)", () => {
  test("defaults: 127.0.0.1:9060, the local token, success, info logs", () => {
    expect(parse([]).outcome).toEqual({
      kind: "run",
      options: {
        port: 9060,
        host: "127.0.0.1",
        token: DEFAULT_CLI_TOKEN,
        defaultOutcome: "success",
        logLevel: "info",
      },
      logFormat: "auto",
    });
  });

  test("every flag, and the token, level and format from the environment", () => {
    expect(
      parse(["--port", "0", "--host", "0.0.0.0", "--default-outcome", "failure"], {
        DATABRICKS_EMULATOR_TOKEN: "dapi-env",
        LOG_LEVEL: "warn",
        LOG_FORMAT: "json",
      }).outcome,
    ).toEqual({
      kind: "run",
      options: { port: 0, host: "0.0.0.0", token: "dapi-env", defaultOutcome: "failure", logLevel: "warn" },
      logFormat: "json",
    });
    expect(parse(["--token", "dapi-flag"], { DATABRICKS_EMULATOR_TOKEN: "dapi-env" }).outcome).toMatchObject({
      options: { token: "dapi-flag" },
    });
  });

  test("bad values are usage errors (exit 2) that point at --help", () => {
    for (const args of [
      ["--port", "70000"],
      ["--port", "x"],
      ["--nope"],
      ["--default-outcome", "maybe"],
      ["extra"],
    ]) {
      const { outcome, err } = parse(args);
      expect(outcome).toEqual({ kind: "exit", code: 2 });
      expect(err).toContain("--help");
    }
  });
});

describe("databricks-emulator bin", () => {
  test("--help describes the flags and how to point the connector at it", () => {
    const result = run(["--help"]);
    expect(result.status).toBe(0);
    for (const text of [
      "--port",
      "--token",
      "--default-outcome",
      "--log-format",
      "databricksInstance",
      "databricks_token",
    ]) {
      expect(result.stdout).toContain(text);
    }
  });

  test("--version prints the package's version", () => {
    const result = run(["--version"]);
    expect([result.status, result.stdout.trim()]).toEqual([0, VERSION]);
  });

  test("a bad flag exits 2 with the problem on stderr", () => {
    const result = run(["--bogus"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("unknown option '--bogus'");
  });

  test("serves the Jobs API, logs JSON lines without the token, and stops on SIGTERM", async () => {
    const token = "dapi-cli-secret-Qm4";
    const child = spawn(process.execPath, [BIN, "--port", "0", "--token", token], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: string[] = [];
    const reader = createInterface({ input: child.stdout });
    const url = await new Promise<string>((resolve, reject) => {
      reader.on("line", (line) => {
        lines.push(line);
        const entry = JSON.parse(line) as { url?: string };
        if (entry.url) resolve(entry.url);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}`)));
    });
    const submitted = await fetch(`${url}/api/2.1/jobs/runs/submit`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({ existing_cluster_id: "c", notebook_task: { notebook_path: "/x" } }),
    });
    expect(submitted.status).toBe(200);
    const refused = await fetch(`${url}/api/2.1/jobs/runs/list`, {
      headers: { authorization: "Bearer nope" },
    });
    expect(refused.status).toBe(403);
    // "close": after the exit and after stdout has been read to its end, so every line is in `lines`.
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const all = lines.join("\n");
    expect(all).toContain('"msg":"run submitted"');
    expect(all).toContain('"status":403');
    expect(all).not.toContain(token);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });
});
