#!/usr/bin/env node
// A BigQuery task run against the local stack: `npm start`, then
//   node packages/connector-bigquery/examples/active-users.mjs [--since 2024-02-01] [--local]
// It runs the query through the connector server (or in this process with --local), then reads the
// result table back from the BigQuery emulator and prints it. Plain JavaScript on the built packages,
// so it runs with `node` alone. The tests run it too (test/example.test.ts).
import { parseArgs } from "node:util";
import { BigQuery } from "@google-cloud/bigquery";
import { BigQueryTask, connectors } from "@flyte-connectors/connector-bigquery";
import { ConnectorRegistry, types } from "@flyte-connectors/runtime";
import { TaskFailedError } from "@flyte-connectors/runtime/executor";

const { values: args } = parseArgs({
  options: {
    since: { type: "string", default: "2024-02-01" },
    local: { type: "boolean", default: false },
    endpoint: { type: "string", default: process.env.CONNECTOR_ENDPOINT ?? "127.0.0.1:8000" },
    emulator: { type: "string", default: process.env.BIGQUERY_EMULATOR_HOST ?? "http://127.0.0.1:9050" },
    project: { type: "string", default: "local-project" },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  console.log(`Usage: node packages/connector-bigquery/examples/active-users.mjs [options]

Runs "active users who signed up since a date" as a BigQuery task and prints the result table.

  --since <date>      first signup date to include (default 2024-02-01)
  --local             run the connector in this process instead of calling the connector server
  --endpoint <addr>   the connector server (default $CONNECTOR_ENDPOINT, else 127.0.0.1:8000)
  --emulator <url>    the BigQuery emulator (default $BIGQUERY_EMULATOR_HOST, else http://127.0.0.1:9050)
  --project <id>      the project holding samples.users (default local-project)`);
  process.exit(0);
}

// The emulator needs no credentials; tell the Google client not to look for a GCE metadata server.
process.env.METADATA_SERVER_DETECTION ??= "none";
process.env.BIGQUERY_EMULATOR_HOST = args.emulator;

const activeUsers = new BigQueryTask("active_users", {
  queryTemplate: `
    SELECT user_id, name, signup_date
    FROM samples.users
    WHERE is_active AND signup_date >= @since
    ORDER BY user_id`,
  pluginConfig: { ProjectID: args.project, Location: "US", QueryParameterTypes: { since: "DATE" } },
  inputs: { since: types.string },
  outputDataFrameType: types.dataframe,
});

const options = args.local
  ? { registry: new ConnectorRegistry(connectors), poll: { initialMs: 200 } }
  : { endpoint: args.endpoint, poll: { initialMs: 200 } };

try {
  const { results } = await activeUsers.execute({ since: args.since }, options);
  console.log(`results: ${results.uri}`);
  const [, project, dataset, table] = /^bq:\/\/([^:]+):([^.]+)\.(.+)$/.exec(results.uri);
  const bigquery = new BigQuery({ projectId: project, apiEndpoint: args.emulator });
  const [rows] = await bigquery.dataset(dataset).table(table).getRows();
  console.table(rows.map((row) => ({ ...row, signup_date: row.signup_date?.value })));
} catch (error) {
  console.error(error instanceof TaskFailedError ? error.message : error);
  process.exitCode = 1;
}
