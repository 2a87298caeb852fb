/**
 * The `model-training-service` command line: flags, their environment variables, validation. Kept apart
 * from `main.ts` so it can be exercised in-process without starting anything.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Command, CommanderError, Option } from "commander";
import type { LevelWithSilent } from "pino";
import { z } from "zod";
import { LOG_FORMATS, type LogFormat } from "./log-output";
import {
  DEFAULT_BASE_PATH,
  DEFAULT_EPOCH_MS,
  DEFAULT_LOG_PAGE_SIZE,
  DEFAULT_QUEUE_MS,
  InvalidSettingsError,
  parseServiceSettings,
  type ServiceSettings,
  type SettingName,
} from "./options";

export const COMMAND_NAME = "model-training-service";
/** Exit code for a bad command line, as most Unix tools use. */
export const USAGE_EXIT_CODE = 2;
/** The command line binds a fixed port: the local stack and the README point at it. */
export const DEFAULT_CLI_PORT = 8080;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

interface FlagSpec {
  flag: string;
  placeholder: string;
  env: string;
  description: string;
  /** Shown in --help; never set for the api key. */
  shownDefault?: string;
  /** Whether an error message may quote the given value. */
  secret?: boolean;
}

const SETTING_FLAGS: Record<SettingName, FlagSpec> = {
  port: {
    flag: "--port",
    placeholder: "number",
    env: "MODEL_TRAINING_PORT",
    description: "port to listen on (0 picks a free one)",
    shownDefault: String(DEFAULT_CLI_PORT),
  },
  host: {
    flag: "--host",
    placeholder: "address",
    env: "MODEL_TRAINING_HOST",
    description: "address to bind",
    shownDefault: "127.0.0.1",
  },
  basePath: {
    flag: "--base-path",
    placeholder: "path",
    env: "MODEL_TRAINING_BASE_PATH",
    description: "path the jobs are served under",
    shownDefault: DEFAULT_BASE_PATH,
  },
  epochMs: {
    flag: "--epoch-ms",
    placeholder: "ms",
    env: "MODEL_TRAINING_EPOCH_MS",
    description: "milliseconds each training epoch takes",
    shownDefault: String(DEFAULT_EPOCH_MS),
  },
  queueMs: {
    flag: "--queue-ms",
    placeholder: "ms",
    env: "MODEL_TRAINING_QUEUE_MS",
    description: "milliseconds a job stays queued before it runs",
    shownDefault: String(DEFAULT_QUEUE_MS),
  },
  failRate: {
    flag: "--fail-rate",
    placeholder: "fraction",
    env: "MODEL_TRAINING_FAIL_RATE",
    description: "fraction (0..1) of jobs that end failed",
    shownDefault: "0",
  },
  apiKey: {
    flag: "--api-key",
    placeholder: "key",
    env: "MODEL_TRAINING_API_KEY",
    description:
      "require 'Authorization: Bearer <key>' on job requests (prefer the environment variable: flags show up in ps)",
    secret: true,
  },
  modelsDir: {
    flag: "--models-dir",
    placeholder: "dir",
    env: "MODEL_TRAINING_MODELS_DIR",
    description: "folder finished jobs write model files to",
    shownDefault: "a temporary folder, removed on exit",
  },
  logPageSize: {
    flag: "--log-page-size",
    placeholder: "lines",
    env: "MODEL_TRAINING_LOG_PAGE_SIZE",
    description: "log lines per page of GET .../logs",
    shownDefault: String(DEFAULT_LOG_PAGE_SIZE),
  },
};
const LOG_LEVEL_FLAG: FlagSpec = {
  flag: "--log-level",
  placeholder: "level",
  env: "MODEL_TRAINING_LOG_LEVEL",
  description: `log level (${LOG_LEVELS.join(", ")})`,
  shownDefault: "info",
};
const LOG_FORMAT_FLAG: FlagSpec = {
  flag: "--log-format",
  placeholder: "format",
  env: "MODEL_TRAINING_LOG_FORMAT",
  description: "log lines: pretty (human-readable), json, or auto (pretty on a terminal, json elsewhere)",
  shownDefault: "auto",
};

export type CliOutcome =
  | { kind: "run"; settings: ServiceSettings; logLevel: LevelWithSilent; logFormat: LogFormat }
  | { kind: "exit"; code: number };

/** This package's version, for --version: dist/service/ and src/service/ are both two folders down. */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(path.join(__dirname, "../../package.json"), "utf8")) as { version?: unknown };
  return typeof manifest.version === "string" ? manifest.version : "unknown";
}

export interface CliOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

const processOutput: CliOutput = {
  writeOut: (text) => process.stdout.write(text),
  writeErr: (text) => process.stderr.write(text),
};

/** The commander program, for --help and flag parsing. Values are validated afterwards by `parseCli`. */
export function createProgram(output: CliOutput = processOutput): Command {
  const program = new Command(COMMAND_NAME)
    .description(
      "Reference model-training service: the HTTP API the model-training connector talks to. In-memory jobs " +
        "train epoch by epoch, write a model file, and can be told to fail, for tests and the local stack.",
    )
    .version(packageVersion(), "-V, --version", "print the version and exit")
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: output.writeOut, writeErr: output.writeErr })
    .showHelpAfterError(`(run ${COMMAND_NAME} --help for usage)`);
  for (const spec of [...Object.values(SETTING_FLAGS), LOG_LEVEL_FLAG, LOG_FORMAT_FLAG]) {
    const shown = spec.shownDefault === undefined ? "" : `; default: ${spec.shownDefault}`;
    program.addOption(
      new Option(`${spec.flag} <${spec.placeholder}>`, `${spec.description} (env: ${spec.env}${shown})`),
    );
  }
  program.addHelpText(
    "after",
    `
Flags win over environment variables. Failure injection per request: header 'X-Fail-Job: 1' on POST makes
that job fail at its end; header 'X-Simulate-Status: 503' on any request answers that status once.

Example:
  $ ${COMMAND_NAME} --port 8080 --epoch-ms 500
  $ curl -X POST localhost:8080/train -H 'Idempotency-Key: k1' -d '{"dataset_uri":"gs://b/d.csv","epochs":3}'`,
  );
  return program;
}

/**
 * Parses arguments (without the node and script entries) and environment into validated settings, or
 * says how to exit: 0 after --help, 2 for a bad command line (the message already written to stderr).
 */
export function parseCli(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  output: CliOutput = processOutput,
): CliOutcome {
  const program = createProgram(output);
  try {
    program.parse([...args], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      return { kind: "exit", code: error.exitCode === 0 ? 0 : USAGE_EXIT_CODE };
    }
    throw error;
  }
  const flags = program.opts<Record<string, string | undefined>>();

  /** Where each value came from, so an error points at the flag or the variable the user actually set. */
  const sources = new Map<string, string>();
  const valueOf = (key: string, spec: FlagSpec): string | undefined => {
    const fromFlag = flags[key];
    if (fromFlag !== undefined) {
      sources.set(key, spec.flag);
      return fromFlag;
    }
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv !== "") {
      sources.set(key, spec.env);
      return fromEnv;
    }
    return undefined;
  };

  const raw: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(SETTING_FLAGS)) raw[key] = valueOf(key, spec);
  raw.port ??= DEFAULT_CLI_PORT;
  const rawLogLevel = valueOf("logLevel", LOG_LEVEL_FLAG) ?? "info";
  const rawLogFormat = valueOf("logFormat", LOG_FORMAT_FLAG) ?? "auto";

  const problems: string[] = [];
  let settings: ServiceSettings | undefined;
  try {
    settings = parseServiceSettings(raw, (name) => {
      const spec = SETTING_FLAGS[name];
      const value = spec.secret ? "" : ` ${JSON.stringify(raw[name])}`;
      return `${sources.get(name) ?? spec.flag}${value}`;
    });
  } catch (error) {
    if (!(error instanceof InvalidSettingsError)) throw error;
    problems.push(...error.problems);
  }
  const logLevel = z.enum(LOG_LEVELS).safeParse(rawLogLevel);
  if (!logLevel.success) {
    problems.push(
      `${sources.get("logLevel")} ${JSON.stringify(rawLogLevel)} must be one of ${LOG_LEVELS.join(", ")}`,
    );
  }
  const logFormat = z.enum(LOG_FORMATS).safeParse(rawLogFormat);
  if (!logFormat.success) {
    problems.push(
      `${sources.get("logFormat")} ${JSON.stringify(rawLogFormat)} must be one of ${LOG_FORMATS.join(", ")}`,
    );
  }
  if (problems.length > 0 || !settings || !logLevel.success || !logFormat.success) {
    for (const problem of problems) output.writeErr(`error: ${problem}\n`);
    output.writeErr(`(run ${COMMAND_NAME} --help for usage)\n`);
    return { kind: "exit", code: USAGE_EXIT_CODE };
  }
  return { kind: "run", settings, logLevel: logLevel.data, logFormat: logFormat.data };
}
