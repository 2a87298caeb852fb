#!/usr/bin/env node
/**
 * `snowflake-emulator`: runs the emulator until SIGTERM or SIGINT.
 */
import { readFileSync } from "node:fs";
import pino from "pino";
import { isPretty, parseCli, prettyDestination } from "./cli";
import { startSnowflakeEmulator } from "./emulator";
import { loadSeedFile, type SeedData } from "./seed";

// `snowflake-emulator --help | head` closes the pipe early; that is not an error worth a stack trace.
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
  const { logLevel, data, publicKeys, ...options } = outcome.options;
  const logger = pino(
    { name: "snowflake-emulator", level: logLevel },
    isPretty(outcome.logFormat, process.stdout)
      ? prettyDestination(1)
      : pino.destination({ dest: 1, sync: true }),
  );
  const seed: SeedData = { databases: [] };
  for (const file of data) seed.databases.push(...(await loadSeedFile(file)).databases);
  const users = publicKeys.map((k) => ({
    account: k.account,
    user: k.user,
    publicKey: readFileSync(k.file, "utf8"),
  }));
  const started = startSnowflakeEmulator({ ...options, seed, users, logger });
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
  const emulator = await started;
  logger.info(
    { users: users.map((u) => `${u.account}.${u.user}`.toUpperCase()) },
    `key-pair users; SNOWFLAKE_API_URL=${emulator.url}`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`snowflake-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
