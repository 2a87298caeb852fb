/**
 * The `bigquery-emulator` command line. Parsing is kept apart from `main.ts` so it can be tested
 * without starting anything.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import type { DestinationStream } from "pino";
import pretty from "pino-pretty";
import { DEFAULT_HOST, DEFAULT_JOB_DELAY_MS, DEFAULT_PROJECT, type EmulatorOptions } from "./emulator";

export const COMMAND_NAME = "bigquery-emulator";
/** The command line binds a fixed port by default, so the local stack and docs can point at it. */
export const DEFAULT_CLI_PORT = 9050;
/** Exit code for a bad command line, as most Unix tools use. */
export const USAGE_EXIT_CODE = 2;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
export const LOG_FORMATS = ["auto", "pretty", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export type CliOutcome =
  | { kind: "run"; options: EmulatorOptions & { port: number; logLevel: string }; logFormat: LogFormat }
  | { kind: "exit"; code: number };

/** This package's version, for --version: `src/` and `dist/` both sit beside package.json. */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(path.join(__dirname, "../package.json"), "utf8")) as { version?: unknown };
  return typeof manifest.version === "string" ? manifest.version : "unknown";
}

/** Whether `format` means pretty lines on `stream`: `auto` is pretty exactly when it is a terminal. */
export function isPretty(format: LogFormat, stream: { isTTY?: boolean }): boolean {
  return format === "pretty" || (format === "auto" && stream.isTTY === true);
}

/**
 * pino-pretty as a stream in this process, writing synchronously — not pino's worker-thread transport. A
 * local emulator logs a few lines a second, so a worker thread buys nothing, and synchronous writes keep
 * the last lines (the "stopped" line) when the process exits right after them.
 */
export function prettyDestination(
  destination: NodeJS.WritableStream | number = 1,
  options: { colorize?: boolean } = {},
): DestinationStream {
  return pretty({
    destination,
    sync: true,
    // Default: colors when pino-pretty's check (a terminal, NO_COLOR, FORCE_COLOR) says so.
    ...(options.colorize === undefined ? {} : { colorize: options.colorize }),
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname",
  });
}

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}.`);
    }
    return Number(value);
  };
}

/** Parses argv (without node and script); help and errors are written to the given streams. */
export function parseCli(
  argv: string[],
  io: { out: (s: string) => void; err: (s: string) => void } = {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
  },
  env: NodeJS.ProcessEnv = process.env,
): CliOutcome {
  const program = new Command(COMMAND_NAME)
    .description("A local BigQuery v2 REST API backed by DuckDB, for tests and local development.")
    .addOption(
      new Option("--port <number>", "port to listen on (0 picks a free one)")
        .default(DEFAULT_CLI_PORT)
        .argParser(integer("--port", 0, 65535)),
    )
    .addOption(
      new Option("--host <address>", "address to bind (0.0.0.0 in a container)").default(DEFAULT_HOST),
    )
    .addOption(
      new Option("--project <id>", "default project; seed `datasets` go there").default(DEFAULT_PROJECT),
    )
    .addOption(
      new Option("--data <file>", "seed data: a YAML or JSON file with projects, datasets, tables and rows"),
    )
    .addOption(
      new Option("--database <file>", "DuckDB database file to keep data in (in memory when absent)"),
    )
    .addOption(
      new Option("--job-delay-ms <ms>", "how long a job takes from PENDING to DONE")
        .default(DEFAULT_JOB_DELAY_MS)
        .argParser(integer("--job-delay-ms", 0, 3_600_000)),
    )
    .addOption(
      new Option("--log-level <level>", "log level")
        .choices(LOG_LEVELS)
        .default(env.LOG_LEVEL && LOG_LEVELS.includes(env.LOG_LEVEL) ? env.LOG_LEVEL : "info"),
    )
    .addOption(
      new Option(
        "--log-format <format>",
        "log lines: pretty (human-readable), json, or auto (pretty on a terminal, json elsewhere)",
      )
        .choices(LOG_FORMATS)
        .default(LOG_FORMATS.find((f) => f === env.LOG_FORMAT) ?? "auto"),
    )
    .version(packageVersion(), "-V, --version", "print the version and exit")
    .addHelpText(
      "after",
      `
Point the Google client at it:
  new BigQuery({ projectId: "${DEFAULT_PROJECT}", apiEndpoint: "http://127.0.0.1:${DEFAULT_CLI_PORT}" })
  or BIGQUERY_EMULATOR_HOST=http://127.0.0.1:${DEFAULT_CLI_PORT} (and METADATA_SERVER_DETECTION=none)`,
    )
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError("(run with --help for usage)")
    .allowExcessArguments(false);
  try {
    program.parse(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      return { kind: "exit", code: error.exitCode === 0 ? 0 : USAGE_EXIT_CODE };
    }
    throw error;
  }
  const o = program.opts<{
    port: number;
    host: string;
    project: string;
    data?: string;
    database?: string;
    jobDelayMs: number;
    logLevel: string;
    logFormat: LogFormat;
  }>();
  return {
    kind: "run",
    options: {
      port: o.port,
      host: o.host,
      project: o.project,
      jobDelayMs: o.jobDelayMs,
      logLevel: o.logLevel,
      ...(o.data ? { data: o.data } : {}),
      ...(o.database ? { database: o.database } : {}),
    },
    logFormat: o.logFormat,
  };
}
