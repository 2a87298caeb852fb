#!/usr/bin/env node
/**
 * `databricks-emulator`: runs the emulator until SIGTERM or SIGINT.
 */
import pino from "pino";
import { isPretty, parseCli, prettyDestination } from "./cli";
import { startDatabricksEmulator } from "./emulator";

// `databricks-emulator --help | head` closes the pipe early; that is not an error worth a stack trace.
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
  const { logLevel, ...options } = outcome.options;
  const logger = pino(
    { name: "databricks-emulator", level: logLevel },
    isPretty(outcome.logFormat, process.stdout)
      ? prettyDestination(1)
      : pino.destination({ dest: 1, sync: true }),
  );
  const started = startDatabricksEmulator({ ...options, logger });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
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
  process.stderr.write(`databricks-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
