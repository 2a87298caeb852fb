import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import pino from "pino";
import { parseCli, type CliOutcome } from "../src/index";
import { isPretty, prettyDestination } from "../src/cli";
import { BigQuery } from "@google-cloud/bigquery";
import { PROJECT } from "./support";

const BIN = path.join(__dirname, "../dist/main.js");
const SAMPLE = path.join(__dirname, "../data/sample.yaml");
const VERSION = (JSON.parse(readFileSync(path.join(__dirname, "../package.json"), "utf8")) as { version: string }).version;

function parse(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { outcome: CliOutcome; out: string; err: string } {
  let out = "";
  let err = "";
  const outcome = parseCli(args, { out: (s) => (out += s), err: (s) => (err += s) }, env);
  return { outcome, out, err };
}

describe("bigquery-emulator command line (in process)", () => {
  test("defaults: port 9050 on 127.0.0.1, project local-project, in memory, info logs", () => {
    expect(parse([]).outcome).toEqual({
      kind: "run",
      options: { port: 9050, host: "127.0.0.1", project: "local-project", jobDelayMs: 20, logLevel: "info" },
      logFormat: "auto",
    });
  });

  test("every flag, and LOG_LEVEL and LOG_FORMAT from the environment", () => {
    const { outcome } = parse(
      [
        "--port",
        "0",
        "--host",
        "0.0.0.0",
        "--project",
        "p",
        "--data",
        "seed.yaml",
        "--database",
        "db.duckdb",
        "--job-delay-ms",
        "250",
      ],
      { LOG_LEVEL: "warn", LOG_FORMAT: "json" },
    );
    expect(outcome).toEqual({
      kind: "run",
      options: {
        port: 0,
        host: "0.0.0.0",
        project: "p",
        data: "seed.yaml",
        database: "db.duckdb",
        jobDelayMs: 250,
        logLevel: "warn",
      },
      logFormat: "json",
    });
    expect(parse(["--log-format", "pretty"], { LOG_FORMAT: "json" }).outcome).toMatchObject({ logFormat: "pretty" });
  });

  test("--help lists the flags and how to point the client at it", () => {
    const { outcome, out } = parse(["--help"]);
    expect(outcome).toEqual({ kind: "exit", code: 0 });
    for (const text of [
      "--port",
      "--host",
      "--project",
      "--data",
      "--database",
      "--job-delay-ms",
      "--log-format",
      "--version",
      "apiEndpoint",
      "BIGQUERY_EMULATOR_HOST",
    ]) {
      expect(out).toContain(text);
    }
  });

  test("bad values exit 2 with a message", () => {
    const port = parse(["--port", "http"]);
    expect(port.outcome).toEqual({ kind: "exit", code: 2 });
    expect(port.err).toContain("--port must be an integer from 0 to 65535");
    expect(parse(["--bogus"]).err).toContain("unknown option '--bogus'");
    expect(parse(["--log-level", "loud"]).outcome).toEqual({ kind: "exit", code: 2 });
    const format = parse(["--log-format", "xml"]);
    expect(format.outcome).toEqual({ kind: "exit", code: 2 });
    expect(format.err).toContain("'xml' is invalid");
  });

  test("--version prints the package's version and exits 0", () => {
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
    for (const flag of ["--version", "-V"]) {
      const { outcome, out } = parse([flag]);
      expect(outcome).toEqual({ kind: "exit", code: 0 });
      expect(out).toBe(`${VERSION}\n`);
    }
  });
});

describe("log output", () => {
  test("auto is pretty on a terminal and JSON elsewhere; pretty and json are forced", () => {
    expect(isPretty("auto", { isTTY: true })).toBe(true);
    expect(isPretty("auto", { isTTY: false })).toBe(false);
    expect(isPretty("auto", {})).toBe(false);
    expect(isPretty("pretty", {})).toBe(true);
    expect(isPretty("json", { isTTY: true })).toBe(false);
  });

  test("pretty lines are human-readable and carry the fields", () => {
    const out = new PassThrough();
    let text = "";
    out.on("data", (chunk) => (text += chunk));
    const logger = pino({ name: "bigquery-emulator" }, prettyDestination(out, { colorize: false }));
    logger.info({ url: "http://127.0.0.1:9050" }, "BigQuery emulator listening on http://127.0.0.1:9050");
    expect(text.split("\n")[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(bigquery-emulator\): BigQuery emulator listening on http:\/\/127\.0\.0\.1:9050$/,
    );
    expect(text).toContain('url: "http://127.0.0.1:9050"');
    expect(text).not.toContain('{"level"');
  });
});

/** The built bin, as `npm start` and users run it. The nx test target builds the package first. */
describe("bigquery-emulator bin", () => {
  beforeAll(() => {
    if (!existsSync(BIN))
      throw new Error(`${BIN} is missing: run "npx nx build @flyte-connectors/bigquery-emulator" first`);
  });

  function run(args: string[], extraEnv: Record<string, string> = {}): ChildProcessWithoutNullStreams {
    const env = { ...process.env, ...extraEnv };
    delete env.LOG_LEVEL;
    if (!("LOG_FORMAT" in extraEnv)) delete env.LOG_FORMAT;
    return spawn(process.execPath, [BIN, ...args], { env });
  }

  function finished(
    child: ChildProcessWithoutNullStreams,
  ): Promise<{ code: number | null; out: string; err: string }> {
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    return new Promise((resolve) => child.on("close", (code) => resolve({ code, out, err })));
  }

  test("--help exits 0 with usage", async () => {
    const { code, out } = await finished(run(["--help"]));
    expect(code).toBe(0);
    expect(out).toContain("Usage: bigquery-emulator");
  });

  test("--version prints the version", async () => {
    const { code, out } = await finished(run(["--version"]));
    expect(code).toBe(0);
    expect(out).toBe(`${VERSION}\n`);
  });

  test("--log-format pretty makes the lines human-readable on a pipe too, to the last one", async () => {
    const child = run(["--port", "0", "--log-format", "pretty"], { NO_COLOR: "1" });
    const exit = finished(child);
    await new Promise<void>((resolve, reject) => {
      let buffered = "";
      child.stdout.on("data", (chunk) => {
        buffered += chunk;
        if (buffered.includes("listening on")) resolve();
      });
      child.on("close", (code) => reject(new Error(`exited ${code} before listening`)));
    });
    child.kill("SIGTERM");
    const { code, out } = await exit;
    expect(code).toBe(0);
    expect(out).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(bigquery-emulator\): BigQuery emulator listening on http:\/\/127\.0\.0\.1:\d+$/m,
    );
    expect(out).toMatch(/INFO \(bigquery-emulator\): BigQuery emulator stopped$/m);
    expect(out).not.toContain('{"level"');
  });

  test("a bad seed file exits 1 naming the problem", async () => {
    const { code, err } = await finished(run(["--port", "0", "--data", "/nonexistent/seed.yaml"]));
    expect(code).toBe(1);
    expect(err).toContain("bigquery-emulator: Cannot read seed file /nonexistent/seed.yaml");
  });

  test.each(["SIGTERM", "SIGINT"] as const)(
    "serves the sample data, says where it listens, and exits 0 on %s",
    async (signal) => {
      const child = run(["--port", "0", "--project", PROJECT, "--data", SAMPLE]);
      const exit = finished(child);
      const listening = await new Promise<{ url: string; msg: string }>((resolve, reject) => {
        let buffered = "";
        child.stdout.on("data", (chunk) => {
          buffered += chunk;
          const line = buffered.split("\n").find((candidate) => candidate.includes('"url"'));
          if (line) resolve(JSON.parse(line));
        });
        child.on("close", (code) => reject(new Error(`exited ${code} before listening`)));
      });
      expect(listening.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(listening.msg).toBe(`BigQuery emulator listening on ${listening.url}`);

      const [rows] = await new BigQuery({ projectId: PROJECT, apiEndpoint: listening.url }).query(
        "SELECT COUNT(*) AS n FROM samples.users",
      );
      expect(rows).toEqual([{ n: 4 }]);

      child.kill(signal);
      const { code, out } = await exit;
      expect(code).toBe(0);
      expect(out).toContain("BigQuery emulator stopped");
    },
  );
});
