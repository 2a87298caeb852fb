#!/usr/bin/env node
/**
 * `bigquery-emulator`: runs the emulator until SIGTERM or SIGINT.
 */
import pino from "pino";
import { isPretty, parseCli, prettyDestination } from "./cli";
import { startEmulator } from "./emulator";

// `bigquery-emulator --help | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

async function main(): Promise<void> {
  const outcome = parseCli(process.argv.slice(2));
  if (outcome.kind === "exit") {
    process.exitCode = outcome.code;
    return;
  }
  const logger = pino(
    { name: "bigquery-emulator", level: outcome.options.logLevel },
    isPretty(outcome.logFormat, process.stdout) ? prettyDestination(1) : pino.destination({ dest: 1, sync: true }),
  );
  // Handlers first: a signal that arrives right after the "listening" line must close the emulator
  // gracefully, not kill the process by the signal's default action.
  const started = startEmulator({ ...outcome.options, logger });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // A second signal means the user does not want to wait for the graceful path.
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, "shutting down");
    started
      .then((emulator) => emulator.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, "shutdown failed");
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  await started;
}

main().catch((error: unknown) => {
  // Startup failures (port in use, bad seed file) are the user's to fix: say so plainly.
  process.stderr.write(`bigquery-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
