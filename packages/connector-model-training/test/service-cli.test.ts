import axios from "axios";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import pino from "pino";
import { parseCli, type CliOutcome } from "../src/service/cli";
import { isPretty, prettyDestination } from "../src/service/log-output";

const BIN = path.join(__dirname, "../dist/service/main.js");
const API_KEY = "sk-cli-test-0a1b2c3d";
const VERSION = (JSON.parse(readFileSync(path.join(__dirname, "../package.json"), "utf8")) as { version: string }).version;

function parse(
  args: string[],
  env: Record<string, string> = {},
): { outcome: CliOutcome; out: string; err: string } {
  let out = "";
  let err = "";
  const outcome = parseCli(args, env, {
    writeOut: (text) => (out += text),
    writeErr: (text) => (err += text),
  });
  return { outcome, out, err };
}

describe("model-training-service command line (in process)", () => {
  test("defaults: port 8080 on 127.0.0.1 under /train, info logs", () => {
    const { outcome } = parse([]);
    expect(outcome).toEqual({
      kind: "run",
      logLevel: "info",
      logFormat: "auto",
      settings: {
        port: 8080,
        host: "127.0.0.1",
        basePath: "/train",
        epochMs: 1000,
        queueMs: 250,
        failRate: 0,
        logPageSize: 50,
      },
    });
  });

  test("reads environment variables, and flags win over them", () => {
    const env = {
      MODEL_TRAINING_PORT: "9000",
      MODEL_TRAINING_EPOCH_MS: "500",
      MODEL_TRAINING_FAIL_RATE: "0.25",
      MODEL_TRAINING_API_KEY: API_KEY,
      MODEL_TRAINING_MODELS_DIR: "/tmp/models",
      MODEL_TRAINING_LOG_LEVEL: "warn",
      MODEL_TRAINING_LOG_FORMAT: "json",
      MODEL_TRAINING_BASE_PATH: "/v2/train",
    };
    const { outcome } = parse(["--port", "0", "--log-page-size", "10", "--host", "0.0.0.0"], env);
    expect(outcome).toEqual({
      kind: "run",
      logLevel: "warn",
      logFormat: "json",
      settings: expect.objectContaining({
        port: 0,
        host: "0.0.0.0",
        basePath: "/v2/train",
        epochMs: 500,
        failRate: 0.25,
        apiKey: API_KEY,
        modelsDir: "/tmp/models",
        logPageSize: 10,
      }),
    });
  });

  test("--help prints every flag with its environment variable and exits 0", () => {
    const { outcome, out } = parse(["--help"]);
    expect(outcome).toEqual({ kind: "exit", code: 0 });
    for (const text of [
      "--port",
      "--epoch-ms",
      "--queue-ms",
      "--fail-rate",
      "--api-key",
      "--models-dir",
      "--log-format",
      "--version",
      "X-Fail-Job",
    ]) {
      expect(out).toContain(text);
    }
    expect(out).toContain("MODEL_TRAINING_API_KEY");
  });

  test("bad values exit 2 naming the flag or variable that was set; a key is never echoed", () => {
    const { outcome, err } = parse(["--port", "http", "--fail-rate", "1.5", "--api-key", ""], {
      MODEL_TRAINING_EPOCH_MS: "-3",
      MODEL_TRAINING_LOG_LEVEL: "loud",
    });
    expect(outcome).toEqual({ kind: "exit", code: 2 });
    expect(err).toContain('--port "http" must be an integer from 0 to 65535');
    expect(err).toContain('--fail-rate "1.5" must be a number from 0 to 1');
    expect(err).toContain("--api-key must not be empty");
    expect(err).toContain('MODEL_TRAINING_EPOCH_MS "-3" must be an integer');
    expect(err).toContain('MODEL_TRAINING_LOG_LEVEL "loud" must be one of');
    expect(parse(["--log-format", "xml"]).err).toContain('--log-format "xml" must be one of auto, pretty, json');
  });

  test("--version prints the package's version and exits 0", () => {
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
    for (const flag of ["--version", "-V"]) {
      const { outcome, out } = parse([flag]);
      expect(outcome).toEqual({ kind: "exit", code: 0 });
      expect(out).toBe(`${VERSION}\n`);
    }
  });

  test("unknown flags and stray arguments exit 2", () => {
    const unknown = parse(["--bogus"]);
    expect(unknown.outcome).toEqual({ kind: "exit", code: 2 });
    expect(unknown.err).toContain("unknown option '--bogus'");
    expect(parse(["serve"]).outcome).toEqual({ kind: "exit", code: 2 });
    expect(parse(["--port"]).outcome).toEqual({ kind: "exit", code: 2 });
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

  test("pretty lines are human-readable, carry the fields, and keep redaction", () => {
    const out = new PassThrough();
    let text = "";
    out.on("data", (chunk) => (text += chunk));
    const logger = pino(
      { name: "model-training-service", redact: { paths: ["apiKey"], censor: "[REDACTED]" } },
      prettyDestination(out, { colorize: false }),
    );
    logger.info({ endpoint: "http://127.0.0.1:8080/train", apiKey: API_KEY }, "listening");
    logger.warn("slow");
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(model-training-service\): listening$/);
    expect(text).toContain('endpoint: "http://127.0.0.1:8080/train"');
    expect(text).toContain('apiKey: "[REDACTED]"');
    expect(text).toMatch(/WARN \(model-training-service\): slow/);
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain('{"level"');
  });
});

/** The built bin, as `npm start` and users run it. The nx test target builds the package first. */
describe("model-training-service bin", () => {
  beforeAll(() => {
    if (!existsSync(BIN)) {
      throw new Error(
        `${BIN} is missing: run "npx nx build @flyte-connectors/connector-model-training" first`,
      );
    }
  });

  /** The environment without any MODEL_TRAINING_* a developer may have exported. */
  function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith("MODEL_TRAINING_")),
    );
    return { ...env, ...extra };
  }

  function run(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
    return spawn(process.execPath, [BIN, ...args], { env: cleanEnv(env) });
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
    expect(out).toContain("Usage: model-training-service");
    expect(out).toContain("MODEL_TRAINING_PORT");
  });

  test("--version prints the version", async () => {
    const { code, out } = await finished(run(["--version"]));
    expect(code).toBe(0);
    expect(out).toBe(`${VERSION}\n`);
  });

  test("--log-format pretty makes the lines human-readable on a pipe too, to the last one", async () => {
    const child = run(["--port", "0", "--log-format", "pretty"], { MODEL_TRAINING_API_KEY: API_KEY, NO_COLOR: "1" });
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
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(model-training-service\): model-training service listening on http:\/\/127\.0\.0\.1:\d+\/train$/m,
    );
    expect(out).toMatch(/INFO \(model-training-service\): model-training service stopped$/m);
    expect(out).not.toContain('{"level"');
    expect(out).not.toContain(API_KEY);
  });

  test("a bad flag exits 2 with a clear message", async () => {
    const unknown = await finished(run(["--bogus"]));
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown option '--bogus'");
    const badValue = await finished(run(["--epoch-ms", "soon"]));
    expect(badValue.code).toBe(2);
    expect(badValue.err).toContain('--epoch-ms "soon" must be an integer');
  });

  test.each(["SIGTERM", "SIGINT"] as const)(
    "serves, says where it listens, never logs the key, and exits 0 on %s",
    async (signal) => {
      const child = run(["--port", "0", "--epoch-ms", "10", "--queue-ms", "10", "--log-level", "debug"], {
        MODEL_TRAINING_API_KEY: API_KEY,
      });
      const exit = finished(child);
      const listening = await new Promise<{ endpoint: string }>((resolve, reject) => {
        let buffered = "";
        child.stdout.on("data", (chunk) => {
          buffered += chunk;
          const line = buffered.split("\n").find((candidate) => candidate.includes('"endpoint"'));
          if (line) resolve(JSON.parse(line));
        });
        child.on("close", (code) => reject(new Error(`exited ${code} before listening`)));
      });
      expect(listening.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/train$/);

      const http = axios.create({ validateStatus: () => true });
      expect((await http.post(listening.endpoint, { dataset_uri: "gs://b/d", epochs: 1 })).status).toBe(401);
      const created = await http.post(
        listening.endpoint,
        { dataset_uri: "gs://b/d", epochs: 1 },
        { headers: { Authorization: `Bearer ${API_KEY}`, "Idempotency-Key": "cli" } },
      );
      expect(created.status).toBe(201);

      child.kill(signal);
      const { code, out, err } = await exit;
      expect(code).toBe(0);
      expect(out).toContain("model-training service stopped");
      expect(out).toContain('"status":401');
      expect(out + err).not.toContain(API_KEY);
    },
  );
});
