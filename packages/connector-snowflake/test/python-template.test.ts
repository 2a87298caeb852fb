/**
 * A template exactly as flyte-sdk's `flyteplugins-snowflake` writes it (custom config, `sql.statement`
 * folded, `%(name)s` placeholders, an interface with a DataFrame output), encoded with the upstream
 * @flyteorg/flyteidl2 encoder and sent over gRPC to the real server: the statement and bindings are the
 * Python connector's query and parameters; metas the Python connector wrote work; no key, passphrase or
 * JWT shows up in a log line, error, message or metric.
 */
import { TaskExecution_Phase as Phase } from "@flyteorg/flyteidl2/flyteidl2/core/execution_pb.ts";
import type { RunningSnowflakeEmulator } from "@flyte-connectors/snowflake-emulator";
import {
  UpstreamClient,
  executionMetadata,
  lit,
  namedLiterals,
  startTestServer,
  ty,
  variables,
  type TestServer,
} from "@flyte-connectors/testing";
import { SnowflakeConnector } from "../src";
import { ACCOUNT, JWT_PATTERN, PASSPHRASE, SECRETS, USER, startEmulator } from "./support";

let emulator: RunningSnowflakeEmulator;
let server: TestServer;
let client: UpstreamClient;
beforeAll(async () => {
  emulator = await startEmulator();
  server = await startTestServer(new SnowflakeConnector());
  client = new UpstreamClient(server.address);
});
afterAll(async () => {
  client?.close();
  await server?.close();
  await emulator?.close();
});

const CATEGORY = { name: "snowflake", version: 0 };
const CONNECTION = { secrets: SECRETS };
/** `Snowflake.custom_config` with a SnowflakeConfig and secret keys (no group): key for key, in order. */
const CUSTOM = {
  account: ACCOUNT,
  database: "SAMPLES",
  schema: "PUBLIC",
  warehouse: "COMPUTE_WH",
  user: USER,
  secrets: {
    snowflake_private_key: "SNOWFLAKE_PRIVATE_KEY",
    snowflake_private_key_passphrase: "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE",
  },
};
const metaOf = (bytes: Uint8Array) =>
  JSON.parse(Buffer.from(bytes).toString("utf8")) as Record<string, unknown>;
const bytesOf = (meta: Record<string, unknown>) => new TextEncoder().encode(JSON.stringify(meta));

function createPythonTask(
  run: string,
  statement: string,
  inputs: Record<string, unknown>,
  literals: Record<string, unknown>,
  custom: Record<string, unknown> = CUSTOM,
  outputs: Record<string, unknown> = { results: ty.dataframe },
) {
  return client.createTask({
    template: {
      type: "snowflake",
      custom: custom as never,
      interface: { inputs: variables(inputs), outputs: variables(outputs) },
      target: { case: "sql", value: { statement, dialect: 1 } },
      metadata: { runtime: { version: "2.0.0", flavor: "python" } },
    },
    inputs: { literals: namedLiterals(literals) as never },
    outputPrefix: "s3://bucket/out",
    taskExecutionMetadata: executionMetadata(run),
    connection: CONNECTION,
  });
}

const submission = (queryId: unknown) =>
  emulator.submissions.find((s) => s.handle === queryId && !s.deduplicated)!;

test("a parameterized query: Python's query and parameters as ? bindings; SUCCEEDED with the snowflake:// DataFrame", async () => {
  // Python: cursor.execute_async("SELECT NAME FROM USERS WHERE SIGNUP_DATE >= %(since)s AND IS_ACTIVE = %(active)s
  //   ORDER BY USER_ID", {"since": "2024-02-01", "active": True})
  const { resourceMeta } = await createPythonTask(
    "python-select",
    "SELECT NAME FROM USERS WHERE SIGNUP_DATE >= %(since)s AND IS_ACTIVE = %(active)s ORDER BY USER_ID",
    { since: ty.str, active: ty.bool },
    { since: lit.str("2024-02-01"), active: lit.bool(true) },
  );
  const meta = metaOf(resourceMeta);
  expect(Object.keys(meta)).toEqual([
    "account",
    "user",
    "database",
    "schema",
    "warehouse",
    "query_id",
    "has_output",
    "connection_kwargs",
  ]);
  expect(submission(meta.query_id).body).toEqual({
    statement: "SELECT NAME FROM USERS WHERE SIGNUP_DATE >= ? AND IS_ACTIVE = ? ORDER BY USER_ID",
    database: "SAMPLES",
    schema: "PUBLIC",
    warehouse: "COMPUTE_WH",
    bindings: { "1": { type: "TEXT", value: "2024-02-01" }, "2": { type: "BOOLEAN", value: "true" } },
  });
  const { resource, seen } = await client.pollUntilTerminal(
    { resourceMeta, taskCategory: CATEGORY, connection: CONNECTION },
    { pauseMs: 1 },
  );
  expect(seen).toEqual([Phase.RUNNING, Phase.SUCCEEDED]);
  const outputs = JSON.stringify(resource.outputs, (_k, v: unknown) =>
    typeof v === "bigint" ? String(v) : v,
  );
  expect(outputs).toContain(
    `snowflake://FLYTE/myorg-acct/COMPUTE_WH/SAMPLES/PUBLIC/${String(meta.query_id)}`,
  );
  expect(resource.logLinks.map((l) => [l.name, l.uri])).toEqual([
    [
      "Snowflake Dashboard",
      `https://app.snowflake.com/myorg/acct/#/compute/history/queries/${String(meta.query_id)}/detail`,
    ],
  ]);
});

test("a batch insert: Python's expanded VALUES rows, bound in Python's parameter order; one statement per attempt", async () => {
  // Python: _expand_batch_query("INSERT INTO EVENTS (USER_ID, KIND) VALUES (%(id)s, %(kind)s)", {"id": [7, 8], "kind": ["a", "b"]})
  //   -> "INSERT INTO EVENTS (USER_ID, KIND) VALUES (%(id_0)s, %(kind_0)s), (%(id_1)s, %(kind_1)s)",
  //      {"id_0": 7, "kind_0": "a", "id_1": 8, "kind_1": "b"}
  const create = () =>
    createPythonTask(
      "python-batch",
      "INSERT INTO EVENTS (USER_ID, KIND) VALUES (%(id)s, %(kind)s)",
      { id: ty.list(ty.int), kind: ty.list(ty.str) },
      { id: lit.list([lit.int(7), lit.int(8)]), kind: lit.list([lit.str("a"), lit.str("b")]) },
      { ...CUSTOM, batch: true },
      {},
    );
  const first = metaOf((await create()).resourceMeta);
  const again = metaOf((await create()).resourceMeta);
  expect(again).toEqual(first);
  expect(first.has_output).toBe(false);
  expect(submission(first.query_id).body).toMatchObject({
    statement: "INSERT INTO EVENTS (USER_ID, KIND) VALUES (?, ?), (?, ?)",
    bindings: {
      "1": { type: "FIXED", value: "7" },
      "2": { type: "TEXT", value: "a" },
      "3": { type: "FIXED", value: "8" },
      "4": { type: "TEXT", value: "b" },
    },
  });
  const { resource } = await client.pollUntilTerminal(
    { resourceMeta: bytesOf(first), taskCategory: CATEGORY, connection: CONNECTION },
    { pauseMs: 1 },
  );
  expect(resource.phase).toBe(Phase.SUCCEEDED);
  expect(resource.outputs?.literals ?? []).toEqual([]);
});

test("a meta written by the Python connector is polled and cancelled", async () => {
  const { resourceMeta } = await createPythonTask("python-meta", "SELECT 1 AS ONE", {}, {});
  const ours = metaOf(resourceMeta);
  // SnowflakeJobMetadata as the Python SDK encodes it (dataclass field order, None for no kwargs).
  const python = bytesOf({
    account: ACCOUNT,
    user: USER,
    database: "SAMPLES",
    schema: "PUBLIC",
    warehouse: "COMPUTE_WH",
    query_id: ours.query_id,
    has_output: true,
    connection_kwargs: null,
  });
  const polled = await client.pollUntilTerminal(
    { resourceMeta: python, taskCategory: CATEGORY, connection: CONNECTION },
    { pauseMs: 1 },
  );
  expect(polled.resource.phase).toBe(Phase.SUCCEEDED);
  await client.deleteTask({ resourceMeta: python, taskCategory: CATEGORY, connection: CONNECTION });
});

test("a missing account is INVALID_ARGUMENT naming custom.account", async () => {
  await expect(
    createPythonTask("python-bad", "SELECT 1", {}, {}, { ...CUSTOM, account: undefined }),
  ).rejects.toMatchObject({ code: 3, details: expect.stringContaining("custom.account") });
});

test("no key, passphrase or JWT in any log line, error, message or metric label", async () => {
  const failing = await createPythonTask("python-leak", "SELECT * FROM NOPE", {}, {}).catch(
    (e: unknown) => e,
  );
  const failed = await client.pollUntilTerminal(
    {
      resourceMeta: (failing as { resourceMeta: Uint8Array }).resourceMeta,
      taskCategory: CATEGORY,
      connection: CONNECTION,
    },
    { pauseMs: 1 },
  );
  expect(failed.resource.phase).toBe(Phase.FAILED);
  const bad = await createPythonTask(
    "python-leak-2",
    "SELECT 1",
    {},
    {},
    { ...CUSTOM, account: undefined },
  ).catch((e: unknown) => String((e as { details?: string }).details));
  const everything = [
    server.logs.text,
    await server.metricsText(),
    JSON.stringify(failed.resource),
    String(bad),
  ].join("\n");
  expect(everything).not.toMatch(JWT_PATTERN);
  expect(everything).not.toContain(PASSPHRASE);
  expect(everything).not.toContain("PRIVATE KEY");
  expect(everything).not.toContain(SECRETS.snowflake_private_key.split("\n")[1]!);
  expect(server.logs.text).toContain("statement submitted");
});
