/**
 * The `snowflake-emulator` command line: parsing in process, then the committed bin shim as a real child
 * process (--help, --version, a bad flag, and a start with seed data, a key-pair user and JSON logs).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseCli, type CliOutcome } from "../src";
import { call, jwtFor, keyPair } from "./support";

const BIN = path.join(__dirname, "../bin/snowflake-emulator.js");
const SAMPLE = path.join(__dirname, "../data/sample.yaml");
const VERSION = (
  JSON.parse(readFileSync(path.join(__dirname, "../package.json"), "utf8")) as { version: string }
).version;

function parse(args: string[], env: NodeJS.ProcessEnv = {}): { outcome: CliOutcome; err: string } {
  let err = "";
  const outcome = parseCli(args, { out: () => undefined, err: (s) => (err += s) }, env);
  return { outcome, err };
}
const run = (args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });

test("defaults and every flag", () => {
  expect(parse([]).outcome).toEqual({
    kind: "run",
    options: { port: 9070, host: "127.0.0.1", data: [], publicKeys: [], runningPolls: 1, logLevel: "info" },
    logFormat: "auto",
  });
  expect(
    parse(
      [
        "--port",
        "0",
        "--data",
        "a.yaml",
        "--data",
        "b.yaml",
        "--public-key",
        "LOCAL.FLYTE=k.pub",
        "--running-polls",
        "3",
      ],
      { LOG_FORMAT: "json", LOG_LEVEL: "warn" },
    ).outcome,
  ).toEqual({
    kind: "run",
    options: {
      port: 0,
      host: "127.0.0.1",
      data: ["a.yaml", "b.yaml"],
      publicKeys: [{ account: "LOCAL", user: "FLYTE", file: "k.pub" }],
      runningPolls: 3,
      logLevel: "warn",
    },
    logFormat: "json",
  });
});

test("bad values are usage errors (exit 2) that point at --help", () => {
  for (const args of [
    ["--port", "70000"],
    ["--public-key", "nope"],
    ["--running-polls", "-1"],
    ["--nope"],
    ["extra"],
  ]) {
    const { outcome, err } = parse(args);
    expect(outcome).toEqual({ kind: "exit", code: 2 });
    expect(err).toContain("--help");
  }
});

test("the bin: --help, --version", () => {
  const help = run(["--help"]);
  expect(help.status).toBe(0);
  for (const text of ["--port", "--data", "--public-key", "--running-polls", "SNOWFLAKE_API_URL"])
    expect(help.stdout).toContain(text);
  expect(run(["--version"]).stdout.trim()).toBe(VERSION);
  expect(run(["--port", "x"]).status).toBe(2);
});

test("the bin serves seed data to a key-pair user, logging JSON lines without the token", async () => {
  const keys = keyPair();
  const dir = mkdtempSync(path.join(tmpdir(), "snowflake-emulator-"));
  const pub = path.join(dir, "key.pub");
  writeFileSync(pub, keys.publicPem);
  const child = spawn(
    process.execPath,
    [BIN, "--port", "0", "--data", SAMPLE, "--public-key", `LOCAL.FLYTE=${pub}`, "--log-format", "json"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  try {
    const lines: Array<Record<string, unknown>> = [];
    const url = await new Promise<string>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`exited ${code}`)));
      createInterface({ input: child.stdout! }).on("line", (line) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        lines.push(entry);
        if (typeof entry.url === "string") resolve(entry.url);
      });
    });
    const token = await jwtFor(keys.privateKey, "LOCAL", "FLYTE");
    const answer = await call(url, token, "POST", "/api/v2/statements", {
      statement: "SELECT count(*) AS N FROM USERS",
      database: "SAMPLES",
    });
    expect(answer.body.data).toEqual([["4"]]);
    await new Promise((r) => setImmediate(r));
    expect(JSON.stringify(lines)).not.toContain(token);
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
});
