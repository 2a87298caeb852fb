/**
 * @flyte-connectors/runtime/server — serve connectors over gRPC from code: the `ConnectorServer`
 * (AsyncConnectorService, ConnectorMetadataService, grpc.health.v1, reflection, Prometheus metrics on
 * HTTP, graceful shutdown). `flyte-connector serve` is this server behind a CLI.
 *
 * @example
 * ```ts
 * import { ConnectorRegistry } from "@flyte-connectors/runtime";
 * import { ConnectorServer } from "@flyte-connectors/runtime/server";
 * import { connectors } from "./my-connector";
 *
 * const server = new ConnectorServer({ registry: new ConnectorRegistry(connectors) });
 * const { port } = await server.listen({ port: 8000, metricsPort: 9090 });
 * process.on("SIGTERM", () => void server.shutdown({ graceMs: 30_000 }));
 * ```
 *
 * @module
 */
export {
  ASYNC_CONNECTOR_SERVICE,
  CONNECTOR_METADATA_SERVICE,
  ConnectorServer,
  type ConnectorServerOptions,
  type ListenOptions,
} from "./connector-server";
export { Health, type ServingStatus } from "../grpc/health";
export { ConnectorMetrics, type CallMetrics, type Operation } from "../metrics";
export { createLogger, type LoggerOptions } from "../logging";
export { DEFAULT_SECRET_ENV_PREFIX, DEFAULT_SECRETS_DIR, type SecretSourceOptions } from "../secrets";
