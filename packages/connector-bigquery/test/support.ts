/**
 * The real stack for the connector's tests: the DuckDB BigQuery emulator, the connector inside the real
 * gRPC server on port 0, and a client that encodes requests with the upstream @flyteorg/flyteidl2 code.
 */
import { BigQuery } from "@google-cloud/bigquery";
import { ConnectorRegistry } from "@flyte-connectors/runtime";
import { ConnectorServer } from "@flyte-connectors/runtime/server";
import {
  startEmulator,
  type EmulatorOptions,
  type RunningEmulator,
} from "@flyte-connectors/bigquery-emulator";
import { BigQueryConnector, type BigQueryConnectorOptions } from "../src";
import { LogCapture, UpstreamClient } from "@flyte-connectors/testing";

// Without credentials the Google client would probe the GCE metadata server before each request.
process.env.METADATA_SERVER_DETECTION = "none";

export const PROJECT = "test-project";
export const CATEGORY = { name: "bigquery_query_job_task", version: 0 };

export const SEED = {
  datasets: [
    {
      id: "shop",
      tables: [
        {
          id: "orders",
          schema: {
            fields: [
              { name: "order_id", type: "INT64" },
              { name: "customer", type: "STRING" },
              { name: "amount", type: "FLOAT64" },
              { name: "paid", type: "BOOL" },
            ],
          },
          rows: [
            { order_id: 1, customer: "ada", amount: 12.5, paid: true },
            { order_id: 2, customer: "grace", amount: 40, paid: false },
            { order_id: 3, customer: "ada", amount: 7.25, paid: true },
          ],
        },
      ],
    },
    { id: "scratch", tables: [] },
  ],
};

export interface Stack {
  emulator: RunningEmulator;
  server: ConnectorServer;
  client: UpstreamClient;
  /** The unmodified Google client on the same emulator, to check what the connector did. */
  bigquery: BigQuery;
  logs: LogCapture;
  address: string;
  close(): Promise<void>;
}

export async function startStack(
  emulatorOptions: EmulatorOptions = {},
  connectorOptions: BigQueryConnectorOptions = {},
): Promise<Stack> {
  const emulator = await startEmulator({ project: PROJECT, data: SEED, ...emulatorOptions });
  const logs = new LogCapture();
  const server = new ConnectorServer({
    // maxRetries 0: the Google client's own retries would hide the HTTP errors the tests inject.
    registry: new ConnectorRegistry([
      new BigQueryConnector({ apiEndpoint: emulator.url, maxRetries: 0, ...connectorOptions }),
    ]),
    logLevel: "debug",
    logDestination: logs,
    processMetrics: false,
  });
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  const address = `127.0.0.1:${port}`;
  const client = new UpstreamClient(address);
  const bigquery = new BigQuery({ projectId: PROJECT, apiEndpoint: emulator.url });
  return {
    emulator,
    server,
    client,
    bigquery,
    logs,
    address,
    async close() {
      client.close();
      await server.shutdown({ graceMs: 200 });
      await emulator.close();
    },
  };
}

/** The rows of the table a `bq://project:dataset.table` URI names, read with the Google client. */
export async function rowsAt(bigquery: BigQuery, uri: string) {
  const match = /^bq:\/\/([^:]+):([^.]+)\.(.+)$/.exec(uri);
  if (!match) throw new Error(`not a bq:// table URI: ${uri}`);
  const [, project, dataset, table] = match;
  const [rows] = await bigquery.dataset(dataset, { projectId: project }).table(table).getRows();
  return rows;
}

export function metaOf(resourceMeta: Uint8Array): Record<string, string> {
  return JSON.parse(Buffer.from(resourceMeta).toString("utf8")) as Record<string, string>;
}
