#!/usr/bin/env node
/**
 * `flyte-connector`: serve connectors over gRPC, or list what would load.
 *
 *   flyte-connector serve --port 8000 --prometheus-port 9090 --modules @acme/my-connector
 *   flyte-connector list
 */
// Node 22.1+ caches compiled code between starts (a container's every restart benefits); older Nodes
// lack the function, and an unwritable cache folder only turns it off.
// eslint-disable-next-line @typescript-eslint/no-require-imports
(require("node:module") as { enableCompileCache?: () => unknown }).enableCompileCache?.();
import cluster from "node:cluster";
import { Command, InvalidArgumentError, Option } from "commander";
import { createServer as createHttpServer } from "node:http";
import type { AggregatorRegistry as Aggregator } from "prom-client";
import { ConfigurationError, ConnectorError } from "../errors";
import { createLogger } from "../logging";
import { DEFAULT_SECRETS_DIR } from "../secrets";
import { ConnectorServer } from "../server/connector-server";
import { RUNTIME_VERSION } from "../version";
import { formatConnectorTable, loadConnectors } from "./load";

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** The serve command's options, each checked by its parser below as commander reads it. */
interface ServeOptions {
  port: number;
  prometheusPort: number;
  host: string;
  modules: string[];
  workers: number;
  logLevel: (typeof LEVELS)[number];
  shutdownGrace: number;
  secretsDir: string;
  maxMessageMb: number;
  maxConnectionAge?: number;
  keepalive: number;
}

// Flags and their environment variables are validated by commander's parsers: the CLI's edge. (A schema
// library here would cost every server start ~45 ms of module loading for nine numbers and strings.)
function integer(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`"${value}" is not an integer`);
    if (n < min || n > max) throw new InvalidArgumentError(`${n} is outside ${min}..${max}`);
    return n;
  };
}

function number(min: number, { exclusive = false } = {}): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`"${value}" is not a number`);
    if (exclusive ? n <= min : n < min)
      throw new InvalidArgumentError(`${n} must be ${exclusive ? "above" : "at least"} ${min}`);
    return n;
  };
}

function nonEmpty(value: string): string {
  if (!value.trim()) throw new InvalidArgumentError("must not be empty");
  return value;
}

const port = integer(0, 65535);

function collect(value: string, previous: string[]): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

function modulesOption(): Option {
  return new Option(
    "-m, --modules <module...>",
    'connector module: a package name or a file path (repeatable; default: every installed package declaring "flyteConnector")',
  )
    .env("FLYTE_CONNECTOR_MODULES")
    .argParser(collect)
    .default([]);
}

export function buildProgram(): Command {
  const program = new Command("flyte-connector")
    .description("Serve Flyte 2 connectors over gRPC")
    .version(RUNTIME_VERSION, "-V, --version", "print the version")
    .showHelpAfterError()
    .exitOverride();

  program
    .command("serve")
    .description(
      "start the connector gRPC server (AsyncConnectorService, ConnectorMetadataService, health, reflection)",
    )
    .addOption(
      new Option("-p, --port <port>", "gRPC port (0: a free one)")
        .env("FLYTE_CONNECTOR_PORT")
        .argParser(port)
        .default(8000),
    )
    .addOption(
      new Option(
        "--prometheus-port <port>",
        "HTTP port for /metrics, /healthz, /readyz (default: 9090; a free one with --port 0)",
      )
        .env("FLYTE_CONNECTOR_PROMETHEUS_PORT")
        .argParser(port),
    )
    .addOption(
      new Option("--host <host>", "address to bind")
        .env("FLYTE_CONNECTOR_HOST")
        .argParser(nonEmpty)
        .default("0.0.0.0"),
    )
    .addOption(modulesOption())
    .addOption(
      new Option("-w, --workers <n>", "worker processes sharing the port (node:cluster)")
        .env("FLYTE_CONNECTOR_WORKERS")
        .argParser(integer(1, 256))
        .default(1),
    )
    .addOption(
      new Option("--log-level <level>", "log level").choices(LEVELS).env("LOG_LEVEL").default("info"),
    )
    .addOption(
      new Option("--shutdown-grace <seconds>", "on SIGTERM, seconds to let calls in flight finish")
        .env("FLYTE_CONNECTOR_SHUTDOWN_GRACE")
        .argParser(number(0))
        .default(30),
    )
    .addOption(
      new Option("--secrets-dir <dir>", "folder of mounted secret files")
        .env("FLYTE_CONNECTOR_SECRETS_DIR")
        .argParser(nonEmpty)
        .default(DEFAULT_SECRETS_DIR),
    )
    .addOption(
      new Option("--max-message-mb <mb>", "largest gRPC message, in MiB")
        .env("FLYTE_CONNECTOR_MAX_MESSAGE_MB")
        .argParser(number(0, { exclusive: true }))
        .default(64),
    )
    .addOption(
      new Option(
        "--max-connection-age <seconds>",
        "close each client connection after this long, so clients re-resolve DNS and reach new replicas (default: never)",
      )
        .env("FLYTE_CONNECTOR_MAX_CONNECTION_AGE")
        .argParser(number(0, { exclusive: true })),
    )
    .addOption(
      new Option(
        "--keepalive <seconds>",
        "ping a client whose connection has been quiet this long, to notice dead connections (0: never)",
      )
        .env("FLYTE_CONNECTOR_KEEPALIVE")
        .argParser(number(0))
        .default(60),
    )
    .action(async (raw: Omit<ServeOptions, "prometheusPort"> & { prometheusPort?: number }) => {
      // --port 0 asks for a free port; a fixed metrics port beside it would clash between two such servers.
      await serve({ ...raw, prometheusPort: raw.prometheusPort ?? (raw.port === 0 ? 0 : 9090) });
    });

  program
    .command("list")
    .description("print the connectors and task types that `serve` would load")
    .addOption(modulesOption())
    .action(async (raw: { modules: string[] }) => {
      const { loaded } = await loadConnectors(raw.modules);
      process.stdout.write(formatConnectorTable(loaded) + "\n");
    });

  return program;
}

async function serve(options: ServeOptions): Promise<void> {
  if (options.workers > 1 && cluster.isPrimary) return runPrimary(options);
  const inWorker = cluster.isWorker;
  const startedAt = process.hrtime.bigint();
  const { registry, loaded } = await loadConnectors(options.modules);
  if (!inWorker) process.stdout.write(formatConnectorTable(loaded) + "\n");
  const server = new ConnectorServer({
    registry,
    logLevel: options.logLevel,
    secrets: { secretsDir: options.secretsDir },
    maxMessageBytes: Math.round(options.maxMessageMb * 1024 * 1024),
    maxConnectionAgeMs:
      options.maxConnectionAge === undefined ? undefined : Math.round(options.maxConnectionAge * 1000),
    keepaliveMs: Math.round(options.keepalive * 1000),
  });
  const logger = server.logger;
  if (inWorker) {
    // prom-client answers the primary's metrics requests only once an AggregatorRegistry exists here.
    const { AggregatorRegistry } = loadAggregator();
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([server.metrics.registry]);
  }
  const { port, metricsPort } = await server.listen({
    host: options.host,
    port: options.port,
    // In cluster mode the primary serves aggregated metrics.
    metricsPort: inWorker ? undefined : options.prometheusPort,
  });
  const startupMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
  logger.info({ port, metricsPort, startupMs: Math.round(startupMs), worker: cluster.worker?.id }, "ready");
  installSignalHandlers(
    () => server.shutdown({ graceMs: options.shutdownGrace * 1000 }),
    (message) => logger.warn(message),
  );
}

/** prom-client's cluster aggregation, loaded only in cluster mode. */
function loadAggregator(): { AggregatorRegistry: typeof Aggregator } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("prom-client") as { AggregatorRegistry: typeof Aggregator };
}

/** Cluster primary: forks workers, serves their aggregated metrics, forwards signals, restarts crashed workers. */
async function runPrimary(options: ServeOptions): Promise<void> {
  const logger = createLogger({ level: options.logLevel });
  // Load once here too, so a broken module fails fast with one clear message and the table prints once.
  const { loaded } = await loadConnectors(options.modules);
  process.stdout.write(formatConnectorTable(loaded) + "\n");
  let stopping = false;
  const fork = () => cluster.fork();
  for (let i = 0; i < options.workers; i++) fork();
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) return;
    logger.error({ worker: worker.id, code, signal }, "worker died; starting another");
    fork();
  });
  const { AggregatorRegistry } = loadAggregator();
  const aggregator = new AggregatorRegistry();
  const http = createHttpServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/metrics") {
      aggregator.clusterMetrics().then(
        (text) => res.writeHead(200, { "content-type": aggregator.contentType }).end(text),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    } else if (path === "/healthz" || path === "/readyz") {
      const ready = !stopping && Object.keys(cluster.workers ?? {}).length > 0;
      res.writeHead(ready ? 200 : 503).end(ready ? "ok\n" : "not serving\n");
    } else {
      res.writeHead(404).end("not found\n");
    }
  });
  await new Promise<void>((resolve) => http.listen(options.prometheusPort, options.host, resolve));
  const metricsPort = (http.address() as { port: number }).port;
  logger.info({ workers: options.workers, metricsPort }, "cluster primary ready");
  installSignalHandlers(
    async () => {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              w.once("exit", () => resolve());
              w.process.kill("SIGTERM");
            }),
        ),
      );
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
    (message) => logger.warn(message),
    () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGKILL");
    },
  );
}

/** First SIGTERM/SIGINT: graceful stop, then exit 0. A second one: exit at once. */
function installSignalHandlers(
  stop: () => Promise<void>,
  warn: (msg: string) => void,
  force?: () => void,
): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      warn(`${signal} again: exiting now`);
      force?.();
      process.exit(1);
    }
    signalled = true;
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

/** Runs the CLI; returns the exit code for errors (the server keeps the process alive on success). */
export async function main(argv = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "commander.helpDisplayed" || code === "commander.version" || code === "commander.help")
      return 0;
    if (typeof code === "string" && code.startsWith("commander.")) return 2; // commander already printed why
    const known = error instanceof ConfigurationError || error instanceof ConnectorError;
    process.stderr.write(`flyte-connector: ${known ? (error as Error).message : String(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main().then((code) => {
    if (code !== 0) process.exit(code);
  });
}
