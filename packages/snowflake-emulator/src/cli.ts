/**
 * The `snowflake-emulator` command line. Parsing is kept apart from `main.ts` so it can be tested
 * without starting anything.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import type { DestinationStream } from "pino";
import pretty from "pino-pretty";
import { DEFAULT_HOST } from "./emulator";

export const COMMAND_NAME = "snowflake-emulator";
/** The command line binds a fixed port by default, so the local stack and docs can point at it. */
export const DEFAULT_CLI_PORT = 9070;
/** Exit code for a bad command line, as most Unix tools use. */
export const USAGE_EXIT_CODE = 2;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
export const LOG_FORMATS = ["auto", "pretty", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** `--public-key ACCOUNT.USER=path/to/key.pub`. */
export interface PublicKeyFlag {
  account: string;
  user: string;
  file: string;
}

export interface CliOptions {
  port: number;
  host: string;
  data: string[];
  publicKeys: PublicKeyFlag[];
  runningPolls: number;
  logLevel: string;
}

export type CliOutcome =
  { kind: "run"; options: CliOptions; logFormat: LogFormat } | { kind: "exit"; code: number };

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

/** pino-pretty as a synchronous stream in this process, so the last lines survive exit. */
export function prettyDestination(destination: NodeJS.WritableStream | number = 1): DestinationStream {
  return pretty({ destination, sync: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" });
}

function port(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535)
    throw new InvalidArgumentError("--port must be an integer from 0 to 65535.");
  return Number(value);
}

function count(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("--running-polls must be a non-negative integer.");
  return Number(value);
}

function publicKey(value: string, previous: PublicKeyFlag[]): PublicKeyFlag[] {
  const match = /^([^.=]+)\.([^=]+)=(.+)$/.exec(value);
  if (!match) throw new InvalidArgumentError("--public-key takes ACCOUNT.USER=path/to/public-key.pem");
  return [...previous, { account: match[1]!, user: match[2]!, file: match[3]! }];
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
      "A local Snowflake SQL API v2 stand-in on DuckDB (statements, async polling, cancel, key-pair JWT auth).",
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
      new Option("--data <file>", "YAML seed data: databases, schemas, tables and rows (repeatable)")
        .default([] as string[])
        .argParser((v: string, prev: string[]) => [...prev, v]),
    )
    .addOption(
      new Option(
        "--public-key <ACCOUNT.USER=file>",
        "a user who signs in with a key pair, and their PEM public key (repeatable)",
      )
        .default([] as PublicKeyFlag[])
        .argParser(publicKey),
    )
    .addOption(
      new Option("--running-polls <n>", "GETs an async statement answers 202 before it runs")
        .default(1)
        .argParser(count),
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
Statements run on DuckDB. An async statement (POST /api/v2/statements?async=true) answers 202 for
--running-polls GETs, then runs and answers 200 with its result set or 422 with its error.

Point the Snowflake connector at it: SNOWFLAKE_API_URL=http://127.0.0.1:${DEFAULT_CLI_PORT} in the connector
server's environment, and the private key of a --public-key user as the secret snowflake_private_key.`,
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
  const o = program.opts<CliOptions & { logFormat: LogFormat; publicKey: PublicKeyFlag[] }>();
  return {
    kind: "run",
    options: {
      port: o.port,
      host: o.host,
      data: o.data,
      publicKeys: o.publicKey,
      runningPolls: o.runningPolls,
      logLevel: o.logLevel,
    },
    logFormat: o.logFormat,
  };
}
