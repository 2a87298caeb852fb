/**
 * The `databricks-emulator` command line. Parsing is kept apart from `main.ts` so it can be tested
 * without starting anything.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import type { DestinationStream } from "pino";
import pretty from "pino-pretty";
import { DEFAULT_HOST, type DatabricksEmulatorOptions } from "./emulator";
import { OUTCOMES, type RunOutcome } from "./runs";

export const COMMAND_NAME = "databricks-emulator";
/** The command line binds a fixed port by default, so the local stack and docs can point at it. */
export const DEFAULT_CLI_PORT = 9060;
/** The token the command line accepts by default: a local stand-in has nothing to protect. */
export const DEFAULT_CLI_TOKEN = "local-databricks-token";
/** Exit code for a bad command line, as most Unix tools use. */
export const USAGE_EXIT_CODE = 2;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
export const LOG_FORMATS = ["auto", "pretty", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export type CliOutcome =
  | {
      kind: "run";
      options: Omit<DatabricksEmulatorOptions, "logger"> & { port: number; logLevel: string };
      logFormat: LogFormat;
    }
  | { kind: "exit"; code: number };

/** This package's version, for --version: `src/` and `dist/` both sit beside package.json. */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(path.join(__dirname, "../package.json"), "utf8")) as {
    version?: unknown;
  };
  return typeof manifest.version === "string" ? manifest.version : "unknown";
}

/** Whether `format` means pretty lines on `stream`: `auto` is pretty exactly when it is a terminal. */
export function isPretty(format: LogFormat, stream: { isTTY?: boolean }): boolean {
  return format === "pretty" || (format === "auto" && stream.isTTY === true);
}

/** pino-pretty as a synchronous stream in this process (no worker thread), so the last lines survive exit. */
export function prettyDestination(destination: NodeJS.WritableStream | number = 1): DestinationStream {
  return pretty({ destination, sync: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" });
}

function port(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new InvalidArgumentError("--port must be an integer from 0 to 65535.");
  }
  return Number(value);
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
    .description(
      "A local Databricks Jobs API 2.1 stand-in (runs/submit, get, get-output, cancel, list), for tests and local development.",
    )
    .addOption(
      new Option("--port <number>", "port to listen on (0 picks a free one)")
        .default(DEFAULT_CLI_PORT)
        .argParser(port),
    )
    .addOption(
      new Option("--host <address>", "address to bind (0.0.0.0 in a container)").default(DEFAULT_HOST),
    )
    .addOption(
      new Option(
        "--token <token>",
        "the bearer token clients must send (or DATABRICKS_EMULATOR_TOKEN)",
      ).default(env.DATABRICKS_EMULATOR_TOKEN || DEFAULT_CLI_TOKEN),
    )
    .addOption(
      new Option(
        "--default-outcome <outcome>",
        "how runs end unless the submit body says (parameter emulator_result)",
      )
        .choices([...OUTCOMES])
        .default("success"),
    )
    .addOption(
      new Option("--log-level <level>", "log level")
        .choices(LOG_LEVELS)
        .default(env.LOG_LEVEL && LOG_LEVELS.includes(env.LOG_LEVEL) ? env.LOG_LEVEL : "info"),
    )
    .addOption(
      new Option(
        "--log-format <format>",
        "log lines: pretty, json, or auto (pretty on a terminal, json elsewhere)",
      )
        .choices(LOG_FORMATS)
        .default(LOG_FORMATS.find((f) => f === env.LOG_FORMAT) ?? "auto"),
    )
    .version(packageVersion(), "-V, --version", "print the version and exit")
    .addHelpText(
      "after",
      `
Runs go PENDING -> RUNNING -> TERMINATED, one step per runs/get poll. A run ends as its submit body asks
(a parameter emulator_result=success|failure|timeout|internal_error), else as --default-outcome says.

Point the Databricks connector at it:
  custom.databricksInstance = "http://127.0.0.1:${DEFAULT_CLI_PORT}"   (or FLYTE_DATABRICKS_INSTANCE for the connector)
  secret databricks_token   = the --token value (default ${DEFAULT_CLI_TOKEN})
  curl -H "Authorization: Bearer ${DEFAULT_CLI_TOKEN}" "http://127.0.0.1:${DEFAULT_CLI_PORT}/api/2.1/jobs/runs/list"`,
    )
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError("(run with --help for usage)")
    .allowExcessArguments(false);
  try {
    program.parse(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError)
      return { kind: "exit", code: error.exitCode === 0 ? 0 : USAGE_EXIT_CODE };
    throw error;
  }
  const o = program.opts<{
    port: number;
    host: string;
    token: string;
    defaultOutcome: RunOutcome;
    logLevel: string;
    logFormat: LogFormat;
  }>();
  return {
    kind: "run",
    options: {
      port: o.port,
      host: o.host,
      token: o.token,
      defaultOutcome: o.defaultOutcome,
      logLevel: o.logLevel,
    },
    logFormat: o.logFormat,
  };
}
