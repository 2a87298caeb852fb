import pino, { type DestinationStream, type Logger, type LevelWithSilent } from "pino";
import { scrubSecrets, type ActiveSecrets } from "../secrets";

export interface LoggerOptions {
  /** Default `info`, or `LOG_LEVEL`. */
  level?: LevelWithSilent;
  /** Where JSON lines go; default stdout. */
  destination?: DestinationStream;
  /** Secret values to scrub from every line (the server passes the stores of calls in flight). */
  secrets?: ActiveSecrets;
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
 * The runtime's pino logger: JSON lines, credential fields censored by path, and — through a scrubbing
 * destination — the values of every secret in use removed from the whole line, wherever a connector
 * happened to put them (a message, an error, a URL).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  // Synchronous writes: a line logged just before exit (shutdown, a fatal error) is never lost.
  const destination = options.destination ?? pino.destination({ fd: 1, sync: true });
  const secrets = options.secrets;
  const stream: DestinationStream = secrets
    ? { write: (line: string) => destination.write(secrets.size > 0 ? scrubSecrets(line, secrets) : line) }
    : destination;
  return pino(
    {
      level: options.level ?? (process.env.LOG_LEVEL as LevelWithSilent | undefined) ?? "info",
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
      serializers: { err: pino.stdSerializers.err },
    },
    stream,
  );
}
