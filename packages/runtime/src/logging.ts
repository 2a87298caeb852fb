import pino, { type DestinationStream, type Logger, type LevelWithSilent } from "pino";
import { clip } from "./answers";
import { scrubSecrets, type ActiveSecrets } from "./secrets";

export interface LoggerOptions {
  /** Default `LOG_LEVEL`, else `info`. */
  level?: LevelWithSilent;
  /** Where lines go; default stdout. */
  destination?: DestinationStream;
  /** Secret values to scrub from every line (the server passes the stores of calls in flight). */
  secrets?: ActiveSecrets;
  /**
   * Human-readable lines (pino-pretty) instead of JSON. Default: when the destination is stdout and stdout
   * is a terminal. Logs that a machine reads (a pipe, a file, a container runtime) stay JSON.
   */
  pretty?: boolean;
  /** The `name` field of every line. Default none. */
  name?: string;
}

/** Field paths that hold credentials by name, censored wherever they appear in a log object. */
const REDACT_PATHS = [
  "secrets",
  "*.secrets",
  "connection.secrets",
  "*.connection.secrets",
  "headers.authorization",
  "headers.Authorization",
  "*.headers.authorization",
  "*.headers.Authorization",
  "api_key",
  "*.api_key",
  "password",
  "*.password",
  "credentials",
  "*.credentials",
];

/**
 * Longest string a log line keeps in one field or its message, in characters. Requests and external
 * systems can put megabytes in a task type or an error; the log line stays a line.
 */
export const MAX_LOG_FIELD_LENGTH = 1024;

function boundFields(object: Record<string, unknown>): Record<string, unknown> {
  let bounded: Record<string, unknown> | undefined;
  for (const key in object) {
    const value = object[key];
    if (typeof value === "string" && value.length > MAX_LOG_FIELD_LENGTH) {
      bounded ??= { ...object };
      bounded[key] = clip(value, MAX_LOG_FIELD_LENGTH);
    }
  }
  return bounded ?? object;
}

function boundedError(error: Error): Record<string, unknown> {
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  return boundFields(serialized);
}

/**
 * The runtime's pino logger: JSON lines (readable ones on a terminal), credential fields censored by
 * path, every string field and message bounded, and — through a scrubbing destination — the values of
 * every secret in use removed from the whole line, wherever a connector happened to put them.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const toStdout = options.destination === undefined;
  const pretty = options.pretty ?? (toStdout && process.stdout.isTTY === true);
  // Synchronous writes: a line logged just before exit (shutdown, a fatal error) is never lost.
  const sink: DestinationStream = pretty
    ? prettyStream(options.destination)
    : (options.destination ?? pino.destination({ fd: 1, sync: true }));
  const secrets = options.secrets;
  const stream: DestinationStream = secrets
    ? { write: (line: string) => sink.write(secrets.size > 0 ? scrubSecrets(line, secrets) : line) }
    : sink;
  return pino(
    {
      level: options.level ?? (process.env.LOG_LEVEL as LevelWithSilent | undefined) ?? "info",
      name: options.name,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
      serializers: { err: boundedError },
      formatters: { log: boundFields, bindings: boundFields },
      hooks: {
        // The message argument is not a field: bound it here.
        logMethod(args, method) {
          // `(message, ...)` or `(fields, message, ...)`.
          const at = typeof args[0] === "string" ? 0 : 1;
          const message = args[at];
          if (typeof message === "string" && message.length > MAX_LOG_FIELD_LENGTH) {
            args[at] = clip(message, MAX_LOG_FIELD_LENGTH);
          }
          return method.apply(this, args as Parameters<typeof method>);
        },
      },
    },
    stream,
  );
}

/**
 * pino-pretty as a synchronous stream in this process (not a worker-thread transport): a terminal is for a
 * person watching one process, where a worker thread would only add start-up time and reorder lines
 * around a crash. Loaded only when used, so servers logging JSON never pay for it.
 */
export function prettyStream(destination?: DestinationStream): DestinationStream {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pinoPretty = require("pino-pretty") as typeof import("pino-pretty");
  return pinoPretty.build({
    destination: (destination as NodeJS.WritableStream | undefined) ?? 1,
    sync: true,
    colorize: destination === undefined ? process.stdout.isTTY === true : false,
    singleLine: true,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname",
  });
}
