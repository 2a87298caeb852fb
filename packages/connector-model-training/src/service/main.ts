#!/usr/bin/env node
/**
 * `model-training-service`: runs the reference training service until SIGTERM or SIGINT.
 */
import pino from "pino";
import { parseCli } from "./cli";
import { isPretty, prettyDestination } from "./log-output";
import { startTrainingService } from "./training-service";

// `model-training-service --help | head` closes the pipe early; that is not an error worth a stack trace.
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
    {
      name: "model-training-service",
      level: outcome.logLevel,
      // The service never logs headers; this is a second line of defence should anyone add them.
      // Redaction happens before the lines reach the prettifier, so it covers both formats.
      redact: {
        paths: ["headers.authorization", "*.headers.authorization", "apiKey", "*.apiKey"],
        censor: "[REDACTED]",
      },
    },
    isPretty(outcome.logFormat, process.stdout) ? prettyDestination(1) : pino.destination({ dest: 1, sync: true }),
  );
  // Handlers first: a signal that arrives right after the "listening" line must stop the service
  // gracefully, not kill the process by the signal's default action.
  const started = startTrainingService({ ...outcome.settings, logger });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal means the user does not want to wait for the graceful path.
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    started
      .then((service) => service.close())
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
  // Startup failures (port in use, unwritable models dir) are the user's to fix: say so plainly.
  process.stderr.write(`model-training-service: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
