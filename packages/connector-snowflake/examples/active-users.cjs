#!/usr/bin/env node
/**
 * A Snowflake query through `npm start`'s connector server (grpc 127.0.0.1:8000) and Snowflake emulator
 * (http://127.0.0.1:9070), driven as the Flyte backend drives it; then its result read back through the
 * `snowflake://` URI the task returns.
 *
 *   node packages/connector-snowflake/examples/active-users.cjs --since 2024-02-01
 *   node packages/connector-snowflake/examples/active-users.cjs --fail     # a query on a table that does not exist
 *
 * Options: --endpoint host:port (default 127.0.0.1:8000), --api-url URL (default SNOWFLAKE_API_URL or
 * http://127.0.0.1:9070), --key file (default tmp/snowflake/rsa_key.p8, which npm start writes; or the
 * PEM in SNOWFLAKE_PRIVATE_KEY).
 */
const { readFileSync } = require("node:fs");
const path = require("node:path");
const { parseArgs } = require("node:util");
const { types } = require("@flyte-connectors/runtime");
const { SnowflakeTask, readResults } = require("@flyte-connectors/connector-snowflake");

const root = path.resolve(__dirname, "../../..");
const { values } = parseArgs({
  options: {
    since: { type: "string", default: "2024-01-01" },
    endpoint: { type: "string", default: "127.0.0.1:8000" },
    "api-url": { type: "string", default: process.env.SNOWFLAKE_API_URL || "http://127.0.0.1:9070" },
    key: { type: "string", default: path.join(root, "tmp/snowflake/rsa_key.p8") },
    fail: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(
    "Usage: node examples/active-users.cjs [--since YYYY-MM-DD] [--fail] [--endpoint host:port] [--api-url URL] [--key file]",
  );
  process.exit(0);
}

async function main() {
  // The task reads its secret from SNOWFLAKE_PRIVATE_KEY on this machine and sends it with every call.
  process.env.SNOWFLAKE_PRIVATE_KEY ||= readFileSync(values.key, "utf8");
  const activeUsers = new SnowflakeTask("active_users", {
    queryTemplate: `
      SELECT USER_ID, NAME, SIGNUP_DATE
      FROM ${values.fail ? "NO_SUCH_TABLE" : "USERS"}
      WHERE IS_ACTIVE AND SIGNUP_DATE >= %(since)s
      ORDER BY USER_ID`,
    pluginConfig: {
      account: "local",
      user: "FLYTE",
      database: "SAMPLES",
      schema: "PUBLIC",
      warehouse: "COMPUTE_WH",
    },
    inputs: { since: types.string },
    outputDataFrameType: types.dataframe,
    snowflakePrivateKey: "snowflake_private_key",
  });
  const { results } = await activeUsers.execute(
    { since: values.since },
    { endpoint: values.endpoint, poll: { initialMs: 100, maxMs: 500 }, handleSignals: false },
  );
  console.log(`results: ${results.uri}`);
  const { rows } = await readResults(results.uri, {
    privateKey: process.env.SNOWFLAKE_PRIVATE_KEY,
    apiUrl: values["api-url"],
  });
  // SIGNUP_DATE comes as the SQL API sends a DATE: days since 1970-01-01.
  console.table(
    rows.map((r) => ({
      ...r,
      SIGNUP_DATE: new Date(Number(r.SIGNUP_DATE) * 86_400_000).toISOString().slice(0, 10),
    })),
  );
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
