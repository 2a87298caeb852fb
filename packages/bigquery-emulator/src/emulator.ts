/**
 * Starting and stopping an emulator: DuckDB, the catalog, the job manager and the HTTP server.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino, { type Logger } from "pino";
import { Catalog } from "./catalog";
import { Database } from "./database";
import { FaultState, type Faults } from "./faults";
import { JobManager } from "./jobs";
import { applySeed, loadSeedFile, validateSeed, type SeedData } from "./seed";
import { createRequestHandler } from "./server";

export const DEFAULT_PROJECT = "local-project";
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_JOB_DELAY_MS = 20;

export interface EmulatorOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Address to bind. Default 127.0.0.1. */
  host?: string;
  /** The default project: seed `datasets` go there, and projects.list always shows it. Default local-project. */
  project?: string;
  /** Seed data, or the path of a YAML or JSON file holding it. */
  data?: SeedData | string;
  /** DuckDB database file; in memory when absent. */
  database?: string;
  /** How long a job takes from PENDING to DONE. Default 20 ms; 0 finishes jobs inside jobs.insert. */
  jobDelayMs?: number;
  /** Where logs go. Default: a pino logger at `logLevel`. */
  logger?: Logger;
  /** Level of the default logger. Default: LOG_LEVEL, else silent. */
  logLevel?: string;
}

export interface RunningEmulator {
  /** `http://127.0.0.1:PORT`: give it to the client as `apiEndpoint` or `BIGQUERY_EMULATOR_HOST`. */
  url: string;
  port: number;
  host: string;
  project: string;
  /** Trouble on demand for tests: 503s, and jobs that fail with a given reason. */
  faults: Faults;
  /** Stops the server and closes the database. Safe to call twice. */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(error.code === "EADDRINUSE" ? new Error(`port ${port} on ${host} is already in use`) : error);
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

function urlHost(host: string): string {
  // A wildcard address is not somewhere a client can connect to.
  if (host === "0.0.0.0" || host === "::" || host === "") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

/** Starts an emulator; resolves once it is listening with the seed data loaded. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const port = options.port ?? 0;
  const host = options.host ?? DEFAULT_HOST;
  const project = options.project ?? DEFAULT_PROJECT;
  const jobDelayMs = options.jobDelayMs ?? DEFAULT_JOB_DELAY_MS;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`port must be an integer 0..65535, got ${port}`);
  if (!Number.isFinite(jobDelayMs) || jobDelayMs < 0)
    throw new RangeError(`jobDelayMs must be a non-negative number, got ${jobDelayMs}`);
  const logger =
    options.logger ??
    pino({ name: "bigquery-emulator", level: options.logLevel ?? process.env.LOG_LEVEL ?? "silent" });

  const db = await Database.open(options.database);
  let server: Server | undefined;
  let jobs: JobManager | undefined;
  let url = "";
  try {
    const catalog = new Catalog(db);
    await catalog.load();
    if (options.data !== undefined) {
      const isFile = typeof options.data === "string";
      const seed = isFile ? await loadSeedFile(options.data as string) : validateSeed(options.data);
      await applySeed(catalog, seed, project, isFile ? `seed file ${options.data as string}` : "seed data");
    }
    const faults = new FaultState();
    jobs = new JobManager(db, catalog, { jobDelayMs, logger, baseUrl: () => url, faults });
    server = createServer(
      createRequestHandler({ catalog, jobs, logger, defaultProject: project, baseUrl: () => url, faults }),
    );
    const address = await listen(server, port, host);
    url = `http://${urlHost(host)}:${address.port}`;
    logger.info(
      { url, project, database: options.database ?? ":memory:" },
      `BigQuery emulator listening on ${url}`,
    );

    let closing: Promise<void> | undefined;
    const running = server;
    const jobManager = jobs;
    return {
      url,
      port: address.port,
      host,
      project,
      faults,
      close: () => {
        closing ??= (async () => {
          jobManager.close();
          await new Promise<void>((resolve) => {
            running.close(() => resolve());
            running.closeAllConnections();
          });
          await db.close();
          logger.info("BigQuery emulator stopped");
        })();
        return closing;
      },
    };
  } catch (error) {
    jobs?.close();
    if (server?.listening) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await db.close();
    throw error;
  }
}
