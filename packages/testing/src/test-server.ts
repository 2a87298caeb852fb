import { ConnectorRegistry, type AsyncConnector } from "@flyte-connectors/runtime";
import { ConnectorServer, type ConnectorServerOptions } from "@flyte-connectors/runtime/server";
import { LogCapture } from "./log-capture";

// Connectors of any metadata type: the kit never looks inside their metas.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyConnector = AsyncConnector<any>;

export interface TestServerOptions {
  /** Log level. Default `debug`, so a secret logged anywhere is caught. */
  logLevel?: ConnectorServerOptions["logLevel"];
  /**
   * Where secrets come from besides the task's connection. Default: nowhere else (an empty environment
   * and no secrets folder), so a test does not depend on the machine it runs on.
   */
  secrets?: ConnectorServerOptions["secrets"];
  /** Serve `/metrics` on a free port. Default true. */
  metrics?: boolean;
  /** Other server options (not `registry` or `logDestination`). */
  server?: Omit<ConnectorServerOptions, "registry" | "logDestination" | "logLevel" | "secrets">;
}

/** A `ConnectorServer` on 127.0.0.1, a free port, logging into a `LogCapture`. */
export interface TestServer {
  readonly server: ConnectorServer;
  /** `127.0.0.1:<port>` */
  readonly address: string;
  /** Every line the server logged. */
  readonly logs: LogCapture;
  /** `http://127.0.0.1:<port>/metrics`, or undefined without metrics. */
  readonly metricsUrl: string | undefined;
  /** The Prometheus text the server exposes now. */
  metricsText(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Serves connectors in a real `ConnectorServer` on port 0, as `flyte-connector serve` would, with its
 * logs captured.
 */
export async function startTestServer(
  connectors: ConnectorRegistry | AnyConnector | readonly AnyConnector[],
  options: TestServerOptions = {},
): Promise<TestServer> {
  const registry =
    connectors instanceof ConnectorRegistry
      ? connectors
      : new ConnectorRegistry(Array.isArray(connectors) ? connectors : [connectors as AnyConnector]);
  const logs = new LogCapture();
  const server = new ConnectorServer({
    processMetrics: false,
    ...options.server,
    registry,
    logLevel: options.logLevel ?? "debug",
    logDestination: logs,
    secrets: options.secrets ?? { env: {}, secretsDir: "/nonexistent/flyte-connectors-testing" },
  });
  const withMetrics = options.metrics ?? true;
  const { port, metricsPort } = await server.listen({
    host: "127.0.0.1",
    port: 0,
    metricsPort: withMetrics ? 0 : undefined,
  });
  const metricsUrl = metricsPort === undefined ? undefined : `http://127.0.0.1:${metricsPort}/metrics`;
  return {
    server,
    address: `127.0.0.1:${port}`,
    logs,
    metricsUrl,
    async metricsText() {
      if (!metricsUrl) return "";
      const response = await fetch(metricsUrl);
      return response.text();
    },
    close: () => server.shutdown({ graceMs: 500 }),
  };
}
