import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, ServerCredentials, type ChannelOptions } from "@grpc/grpc-js";
import type { DestinationStream, LevelWithSilent, Logger } from "pino";
import { Health, HealthService, type ServingStatus } from "../grpc/health";
import { addLazyReflection } from "../grpc/reflection";
import { GrpcConnectorService } from "../grpc/service";
import { createLogger } from "../logging";
import { ConnectorMetrics } from "../metrics";
import type { CallPipeline } from "../pipeline/call-pipeline";
import type { CallScope } from "../pipeline/call-scope";
import { ConnectorRegistry, defaultRegistry } from "../registry";
import { ActiveSecrets, type SecretSourceOptions } from "../secrets";

export const ASYNC_CONNECTOR_SERVICE = "flyteidl2.connector.AsyncConnectorService";
export const CONNECTOR_METADATA_SERVICE = "flyteidl2.connector.ConnectorMetadataService";
const HEALTH_SERVICES = ["", ASYNC_CONNECTOR_SERVICE, CONNECTOR_METADATA_SERVICE];

export interface ConnectorServerOptions {
  /** The connectors to serve. Default: `defaultRegistry`. */
  registry?: ConnectorRegistry;
  /** Log level of the server's pino logger. Default `LOG_LEVEL` or `info`. */
  logLevel?: LevelWithSilent;
  /**
   * Where log lines go; default stdout (JSON, or readable lines when stdout is a terminal). Every line
   * passes through a filter that removes the values of secrets in use, which is why the server makes its
   * own logger rather than taking one.
   */
  logDestination?: DestinationStream;
  /** Readable log lines instead of JSON. Default: when logging to a terminal. */
  prettyLogs?: boolean;
  /** Largest request or response, in bytes. Default 64 MiB (inputs can be large). */
  maxMessageBytes?: number;
  /** Where secrets come from besides the task's connection. Default `FLYTE_SECRET_<NAME>`, then `/etc/secrets/<name>`. */
  secrets?: SecretSourceOptions;
  /** Serve gRPC reflection. Default true. */
  reflection?: boolean;
  /** Record Node process metrics. Default true. */
  processMetrics?: boolean;
  /**
   * Close each client connection after this many ms (it reconnects at once; calls in flight get 30 s to
   * finish). Clients then re-resolve the Service's DNS, so pods an autoscaler added start getting calls;
   * without it a long-lived connection stays on the pods it found first. Default: never.
   */
  maxConnectionAgeMs?: number;
  /**
   * Ping a client whose connection has been quiet this long, and close the connection when the ping
   * goes unanswered for 20 s, so connections that died behind a load balancer are noticed. 0: never
   * ping. Clients' own pings are accepted either way. Default 60 000 (ms).
   */
  keepaliveMs?: number;
  /** Extra grpc-js server options. */
  channelOptions?: ChannelOptions;
}

export interface ListenOptions {
  /** Default `0.0.0.0`. */
  host?: string;
  /** Default 8000; 0 picks a free port. */
  port?: number;
  /** Port of the HTTP server with `/metrics`, `/healthz`, `/readyz`; undefined for none, 0 for a free one. */
  metricsPort?: number;
  /** Default: `host`. */
  metricsHost?: string;
}

type PipelineModule = typeof import("../pipeline/call-pipeline");

const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const DEFAULT_KEEPALIVE_MS = 60_000;
/** How long a keepalive ping may go unanswered before the connection is closed (ms). */
const KEEPALIVE_TIMEOUT_MS = 20_000;
/** After the last call in flight is answered, how long shutdown waits before closing what is left (ms). */
const FLUSH_MS = 250;
/** After closing what is left, how long shutdown waits for the sockets to go (ms). */
const FORCED_CLOSE_MS = 2000;

/** A pause that does not keep the process alive: shutdown's bounds must not outlast the shutdown. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * The connector gRPC server: AsyncConnectorService and ConnectorMetadataService (the gRPC adapter over
 * the call pipeline), grpc.health.v1 (one status per service and the empty name), reflection, and an
 * HTTP server for Prometheus and probes.
 *
 * @example
 * ```ts
 * import { ConnectorRegistry } from "@flyte-connectors/runtime";
 * import { ConnectorServer } from "@flyte-connectors/runtime/server";
 *
 * const server = new ConnectorServer({ registry: new ConnectorRegistry([new MyConnector()]) });
 * const { port } = await server.listen({ port: 8000, metricsPort: 9090 });
 * process.on("SIGTERM", () => server.shutdown({ graceMs: 30_000 }));
 * ```
 */
export class ConnectorServer {
  readonly registry: ConnectorRegistry;
  readonly logger: Logger;
  readonly metrics: ConnectorMetrics;
  readonly health: Health;
  readonly #grpc: Server;
  readonly #inFlight = new Set<CallScope>();
  #http: HttpServer | undefined;
  #serving = false;
  #shuttingDown: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  constructor(options: ConnectorServerOptions = {}) {
    this.registry = options.registry ?? defaultRegistry;
    const activeSecrets = new ActiveSecrets();
    this.logger = createLogger({
      level: options.logLevel,
      destination: options.logDestination,
      pretty: options.prettyLogs,
      secrets: activeSecrets,
    });
    this.metrics = new ConnectorMetrics({ processMetrics: options.processMetrics });
    const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const keepaliveMs = options.keepaliveMs ?? DEFAULT_KEEPALIVE_MS;
    this.#grpc = new Server({
      "grpc.max_receive_message_length": maxBytes,
      "grpc.max_send_message_length": maxBytes,
      // The backend pings every 30 s while a call is active; grpc-js servers accept pings at any rate.
      // We ping idle clients too, so dead connections behind load balancers get noticed.
      ...(keepaliveMs > 0
        ? {
            "grpc.keepalive_time_ms": keepaliveMs,
            "grpc.keepalive_timeout_ms": KEEPALIVE_TIMEOUT_MS,
            "grpc.keepalive_permit_without_calls": 1,
          }
        : {}),
      ...(options.maxConnectionAgeMs
        ? {
            "grpc.max_connection_age_ms": options.maxConnectionAgeMs,
            "grpc.max_connection_age_grace_ms": 30_000,
          }
        : {}),
      ...options.channelOptions,
    });

    // Made on the first call: the pipeline's modules need not load before the server answers SERVING.
    let pipeline: CallPipeline | undefined;
    const makePipeline = (): CallPipeline => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { CallPipeline } = require("../pipeline/call-pipeline") as PipelineModule;
      return new CallPipeline({
        registry: this.registry,
        logger: this.logger,
        metrics: this.metrics,
        secretSources: options.secrets,
        activeSecrets,
      });
    };
    const service = new GrpcConnectorService(() => (pipeline ??= makePipeline()), {
      enter: (scope) => this.#inFlight.add(scope),
      leave: (scope) => {
        this.#inFlight.delete(scope);
        if (this.#inFlight.size === 0) this.#drained?.();
      },
    });
    const definitions = GrpcConnectorService.definitions();
    this.#grpc.addService(definitions.asyncConnector, service.asyncConnectorService());
    this.#grpc.addService(definitions.metadata, service.connectorMetadataService());

    this.health = new Health(
      Object.fromEntries(HEALTH_SERVICES.map((s) => [s, "NOT_SERVING" as ServingStatus])),
    );
    this.#grpc.addService(HealthService, this.health.handlers());
    if (options.reflection ?? true)
      addLazyReflection(this.#grpc, [ASYNC_CONNECTOR_SERVICE, CONNECTOR_METADATA_SERVICE]);
  }

  /** Calls in flight now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  get serving(): boolean {
    return this.#serving;
  }

  /** Binds the ports and marks every service SERVING. Returns the bound ports. */
  async listen(options: ListenOptions = {}): Promise<{ port: number; metricsPort?: number }> {
    const host = options.host ?? "0.0.0.0";
    const address = host.includes(":")
      ? `[${host}]:${options.port ?? 8000}`
      : `${host}:${options.port ?? 8000}`;
    const port = await new Promise<number>((resolve, reject) =>
      this.#grpc.bindAsync(address, ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    let metricsPort: number | undefined;
    if (options.metricsPort !== undefined) {
      metricsPort = await this.#listenHttp(options.metricsHost ?? host, options.metricsPort);
    }
    this.#setServing(true);
    this.logger.info({ port, metricsPort, connectors: this.registry.size }, "connector server serving");
    return { port, metricsPort };
  }

  /**
   * Graceful stop: health goes NOT_SERVING, new calls are refused, calls in flight get `graceMs` to finish
   * (default 30 s), then whatever is left is aborted (answered UNAVAILABLE) and the server closes. A second
   * call while one is running forces it at once.
   */
  shutdown(options: { graceMs?: number } = {}): Promise<void> {
    if (this.#shuttingDown) {
      this.#force();
      return this.#shuttingDown;
    }
    this.#shuttingDown = this.#shutdown(options.graceMs ?? 30_000);
    return this.#shuttingDown;
  }

  async #shutdown(graceMs: number): Promise<void> {
    this.#setServing(false);
    this.logger.info({ inFlight: this.#inFlight.size, graceMs }, "shutting down: draining calls in flight");
    const drained = new Promise<void>((resolve) => {
      this.#drained = resolve;
      if (this.#inFlight.size === 0) resolve();
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), graceMs);
    });
    // tryShutdown refuses new calls at once and calls back once every call has ended.
    const closed = new Promise<void>((resolve) => this.#grpc.tryShutdown(() => resolve()));
    const late = await Promise.race([drained.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) {
      this.logger.warn(
        { inFlight: this.#inFlight.size },
        "grace period over: answering calls in flight UNAVAILABLE",
      );
      // Each call left answers UNAVAILABLE at once (its connector's work is aborted): clients retry elsewhere.
      for (const scope of this.#inFlight) scope.shutdown();
      await drained;
    }
    // Calls are answered; give their last bytes a moment to leave. Streams that never end by themselves
    // (health Watch) would hold tryShutdown open forever, so what is left is then closed.
    await Promise.race([closed, delay(FLUSH_MS)]);
    this.#force();
    // A client that closed its session but not its socket (its event loop blocked, say) would hold the
    // close open however long it likes; a stop that must end within its grace period does not wait.
    const stuck = await Promise.race([closed.then(() => false), delay(FORCED_CLOSE_MS).then(() => true)]);
    if (stuck)
      this.logger.warn(
        { waitedMs: FORCED_CLOSE_MS },
        "connections still open after the forced close; not waiting for them",
      );
    const http = this.#http;
    if (http) {
      const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await httpClosed;
    }
    this.logger.info("connector server stopped");
  }

  #force(): void {
    for (const scope of this.#inFlight) scope.shutdown();
    this.#grpc.forceShutdown();
  }

  #setServing(serving: boolean): void {
    this.#serving = serving;
    const status: ServingStatus = serving ? "SERVING" : "NOT_SERVING";
    for (const service of HEALTH_SERVICES) this.health.setStatus(service, status);
  }

  #listenHttp(host: string, port: number): Promise<number> {
    const server = createHttpServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0];
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD" }).end();
      } else if (path === "/metrics") {
        this.metrics.text().then(
          (text) => res.writeHead(200, { "content-type": this.metrics.registry.contentType }).end(text),
          (error: unknown) => res.writeHead(500).end(String(error)),
        );
      } else if (path === "/healthz") {
        res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      } else if (path === "/readyz") {
        const ready = this.#serving;
        res
          .writeHead(ready ? 200 : 503, { "content-type": "text/plain" })
          .end(ready ? "ready\n" : "not serving\n");
      } else {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      }
    });
    this.#http = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    });
  }
}
