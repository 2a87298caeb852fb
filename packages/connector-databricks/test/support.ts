/**
 * The real stack for the connector's tests: the Databricks emulator over HTTP, the connector inside the
 * real gRPC server on port 0, and a client that encodes requests with the upstream @flyteorg/flyteidl2 code.
 */
import { ConnectorRegistry } from "@flyte-connectors/runtime";
import { ConnectorServer } from "@flyte-connectors/runtime/server";
import {
  startDatabricksEmulator,
  type RunningDatabricksEmulator,
} from "@flyte-connectors/databricks-emulator";
import { LogCapture, UpstreamClient } from "@flyte-connectors/testing";
import { DatabricksConnector } from "../src";

export const TOKEN = "dapi-test-token-4Kx9Wq";
export const CATEGORY = { name: "databricks", version: 0 };

export interface Stack {
  emulator: RunningDatabricksEmulator;
  server: ConnectorServer;
  client: UpstreamClient;
  logs: LogCapture;
  close(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const emulator = await startDatabricksEmulator({ token: TOKEN });
  const logs = new LogCapture();
  const server = new ConnectorServer({
    registry: new ConnectorRegistry([new DatabricksConnector()]),
    logLevel: "debug",
    logDestination: logs,
    processMetrics: false,
  });
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  const client = new UpstreamClient(`127.0.0.1:${port}`);
  return {
    emulator,
    server,
    client,
    logs,
    async close() {
      client.close();
      await server.shutdown({ graceMs: 200 });
      await emulator.close();
    },
  };
}

export const metaOf = (bytes: Uint8Array) =>
  JSON.parse(Buffer.from(bytes).toString("utf8")) as Record<string, string>;
export const metaBytes = (meta: Record<string, unknown>) => new TextEncoder().encode(JSON.stringify(meta));
