/**
 * Where the bin's log lines go and how they look: human-readable on a terminal, JSON lines everywhere
 * else (pipes, files, CI, log collectors), unless `--log-format` says otherwise.
 */
import type { DestinationStream } from "pino";
import pretty from "pino-pretty";

export const LOG_FORMATS = ["auto", "pretty", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Whether `format` means pretty lines on `stream`: `auto` is pretty exactly when it is a terminal. */
export function isPretty(format: LogFormat, stream: { isTTY?: boolean }): boolean {
  return format === "pretty" || (format === "auto" && stream.isTTY === true);
}

/**
 * pino-pretty as a stream in this process, writing synchronously — not pino's worker-thread transport. A
 * local service logs a few lines a second, so a worker thread buys nothing, and synchronous writes keep
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
