/**
 * The connector through a real gRPC server against the Snowflake emulator (DuckDB) over real HTTP.
 *
 * `connectorConformance` checks what the Flyte backend relies on (idempotent create, repeatable get,
 * delete of finished, running and unknown statements, outages during get, bad config named, meta through
 * bytes, deadlines while Snowflake hangs, no secret leaked); the tests after it are this connector's own.
 */
import { randomUUID } from "node:crypto";
import { TaskExecutionPhase as Phase, DataFrame, types } from "@flyte-connectors/runtime";
import type { RunningSnowflakeEmulator } from "@flyte-connectors/snowflake-emulator";
import { connectorConformance, createCallContext, createContext } from "@flyte-connectors/testing";
import { SnowflakeConnector, SnowflakeTask, readResults, type SnowflakeJobMeta } from "../src";
import { queryLink, requestIdOf } from "../src/connector";
import { expandBatchQuery } from "../src/query";
import { ACCOUNT, JWT_PATTERN, KEYS, OAUTH_TOKEN, PASSPHRASE, SECRETS, USER, startEmulator } from "./support";

let emulator: RunningSnowflakeEmulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.close();
});
afterEach(() => emulator.faults.clear());

const CONFIG = {
  account: ACCOUNT,
  user: USER,
  database: "SAMPLES",
  schema: "PUBLIC",
  warehouse: "COMPUTE_WH",
};
const activeUsers = () =>
  new SnowflakeTask("active_users", {
    queryTemplate: `SELECT USER_ID, NAME FROM USERS
                    WHERE IS_ACTIVE = %(active)s AND USER_ID >= %(min_id)s
                    ORDER BY USER_ID`,
    pluginConfig: CONFIG,
    inputs: { active: types.bool, min_id: types.int },
    outputDataFrameType: types.dataframe,
    snowflakePrivateKey: "snowflake_private_key",
    snowflakePrivateKeyPassphrase: "snowflake_private_key_passphrase",
  });
const INPUTS = { active: true, min_id: 2 };
/** A template as the backend sends it, for configs `SnowflakeTask` itself would refuse to build. */
const raw = (custom: Record<string, unknown>) => ({
  type: "snowflake",
  custom: custom as never,
  target: { case: "sql" as const, value: { statement: "SELECT 1" } },
});

connectorConformance({
  name: "SnowflakeConnector conformance (Snowflake emulator)",
  connector: () => new SnowflakeConnector(),
  task: () => ({ template: activeUsers(), inputs: INPUTS }),
  faults: { unavailable: (on) => emulator.faults.unavailable(on), hang: (on) => emulator.faults.hang(on) },
  badConfigs: [
    { template: raw({ ...CONFIG, account: undefined }), field: "custom.account" },
    { template: raw({ ...CONFIG, warehouse: undefined }), field: "custom.warehouse" },
    { template: raw({ ...CONFIG, user: undefined }), field: "custom.user" },
    { template: raw({ ...CONFIG, connection_kwargs: "role=x" }), field: "custom.connection_kwargs" },
    {
      template: raw(CONFIG),
      field: "snowflake_private_key",
      secrets: {
        snowflake_private_key: "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n",
      },
    },
  ],
  secrets: SECRETS,
  unknownJob: (meta) => ({ ...(meta as SnowflakeJobMeta), query_id: randomUUID() }),
});

describe("SnowflakeConnector against the emulator", () => {
  const connector = new SnowflakeConnector();
  const opened: Array<{ end(): void }> = [];
  const track = <T extends { end(): void }>(ctx: T): T => (opened.push(ctx), ctx);
  afterEach(() => opened.splice(0).forEach((ctx) => ctx.end()));
  const ctx = (secrets: Record<string, string> = SECRETS, deadlineMs?: number) =>
    track(createCallContext({ secrets, ...(deadlineMs ? { deadlineMs } : {}) }));
  let attempts = 0;
  const submit = (
    template: SnowflakeTask<never, never> | ReturnType<typeof activeUsers> = activeUsers(),
    inputs: Record<string, unknown> = INPUTS,
    key = `unit-${++attempts}`,
  ) => connector.create(track(createContext({ template, inputs, secrets: SECRETS, idempotencyKey: key })));
  const bodyOf = (meta: SnowflakeJobMeta) =>
    emulator.submissions.find((s) => s.handle === meta.query_id && !s.deduplicated)!;

  test("a parameterized query: the Python connector's query with %(name)s as typed ? bindings", async () => {
    const meta = await submit();
    const { body, query } = bodyOf(meta);
    // Python sends "SELECT ... WHERE IS_ACTIVE = %(active)s AND USER_ID >= %(min_id)s ORDER BY USER_ID"
    // (the folded template) with {"active": True, "min_id": 2}; the SQL API form binds them in order.
    expect(body).toEqual({
      statement: "SELECT USER_ID, NAME FROM USERS WHERE IS_ACTIVE = ? AND USER_ID >= ? ORDER BY USER_ID",
      database: "SAMPLES",
      schema: "PUBLIC",
      warehouse: "COMPUTE_WH",
      bindings: { "1": { type: "BOOLEAN", value: "true" }, "2": { type: "FIXED", value: "2" } },
    });
    expect(query).toEqual({ async: "true", requestId: requestIdOf(`unit-${attempts}`), retry: "true" });
    expect(meta).toEqual({
      account: ACCOUNT,
      user: USER,
      database: "SAMPLES",
      schema: "PUBLIC",
      warehouse: "COMPUTE_WH",
      query_id: expect.any(String),
      has_output: true,
      connection_kwargs: {},
    });
  });

  test("a batch insert: exactly the Python plugin's expansion and parameters, then bound in order", async () => {
    // _expand_batch_query's docstring example, and what it returns.
    expect(
      expandBatchQuery("INSERT INTO t (a, b) VALUES (%(a)s, %(b)s)", { a: [1, 2], b: ["x", "y"] }),
    ).toEqual({
      query: "INSERT INTO t (a, b) VALUES (%(a_0)s, %(b_0)s), (%(a_1)s, %(b_1)s)",
      params: { a_0: 1, b_0: "x", a_1: 2, b_1: "y" },
    });
    const insert = new SnowflakeTask("load_events", {
      queryTemplate:
        "INSERT INTO EVENTS (USER_ID, KIND, AMOUNT)\n\tVALUES (%(user_id)s, %(kind)s, %(amount)s)",
      pluginConfig: CONFIG,
      inputs: {
        user_id: types.list(types.int),
        kind: types.list(types.string),
        amount: types.list(types.float),
      },
      batch: true,
    });
    const meta = await submit(insert as never, {
      user_id: [1, 2],
      kind: ["signup", "trip"],
      amount: [2, 12.5],
    });
    expect(meta.has_output).toBe(false);
    expect(bodyOf(meta).body).toMatchObject({
      statement: "INSERT INTO EVENTS (USER_ID, KIND, AMOUNT) VALUES (?, ?, ?), (?, ?, ?)",
      bindings: {
        "1": { type: "FIXED", value: "1" },
        "2": { type: "TEXT", value: "signup" },
        "3": { type: "REAL", value: "2" },
        "4": { type: "FIXED", value: "2" },
        "5": { type: "TEXT", value: "trip" },
        "6": { type: "REAL", value: "12.5" },
      },
    });
    expect((await connector.get(meta, ctx())).phase).toBe(Phase.RUNNING);
    expect(await connector.get(meta, ctx())).toMatchObject({ phase: Phase.SUCCEEDED, message: "SUCCESS" });
    expect(
      await emulator.query("SELECT USER_ID, KIND, AMOUNT FROM SAMPLES.PUBLIC.EVENTS ORDER BY USER_ID"),
    ).toEqual([
      { USER_ID: "1", KIND: "signup", AMOUNT: "2.00" },
      { USER_ID: "2", KIND: "trip", AMOUNT: "12.50" },
    ]);
  });

  test.each([
    [{ a: [1, 2], b: ["x"] }, "All batch input lists must have the same length."],
    [{ a: [], b: [] }, "Batch inputs must contain at least one row."],
  ])("batch inputs %j are a bad request with the Python plugin's words", (inputs, message) => {
    expect(() => expandBatchQuery("INSERT INTO t VALUES (%(a)s, %(b)s)", inputs)).toThrow(message);
  });
  test("batch needs exactly one VALUES clause", () => {
    expect(() => expandBatchQuery("SELECT %(a)s", { a: [1] })).toThrow(
      "Batch inputs require a query template with a VALUES (...) clause.",
    );
    expect(() =>
      expandBatchQuery("INSERT INTO t VALUES (%(a)s); INSERT INTO u VALUES (%(a)s)", { a: [1] }),
    ).toThrow("Batch query expansion supports exactly one VALUES (...) clause.");
  });

  test("the same attempt twice is one statement; another attempt is another", async () => {
    const a = await submit(activeUsers(), INPUTS, "same-attempt");
    const b = await submit(activeUsers(), INPUTS, "same-attempt");
    const c = await submit(activeUsers(), INPUTS, "next-attempt");
    expect(b).toEqual(a);
    expect(c.query_id).not.toBe(a.query_id);
    expect(emulator.submissions.filter((s) => s.handle === a.query_id).map((s) => s.deduplicated)).toEqual([
      false,
      true,
    ]);
  });

  test("RUNNING, then SUCCEEDED with the snowflake:// DataFrame; its rows read back through the URI", async () => {
    const meta = await submit();
    const running = await connector.get(meta, ctx());
    expect(running).toMatchObject({ phase: Phase.RUNNING, message: "RUNNING" });
    expect(running.logLinks).toEqual([
      {
        name: "Snowflake Dashboard",
        uri: `https://app.snowflake.com/myorg/acct/#/compute/history/queries/${meta.query_id}/detail`,
      },
    ]);
    const done = await connector.get(meta, ctx());
    expect(done.phase).toBe(Phase.SUCCEEDED);
    const results = (done.outputs as { results: DataFrame }).results;
    expect(results).toBeInstanceOf(DataFrame);
    expect(results.uri).toBe(`snowflake://FLYTE/myorg-acct/COMPUTE_WH/SAMPLES/PUBLIC/${meta.query_id}`);
    const read = await readResults(results.uri, { privateKey: KEYS.privateKey, passphrase: PASSPHRASE });
    expect(read.columns).toEqual([
      { name: "USER_ID", type: "fixed" },
      { name: "NAME", type: "text" },
    ]);
    expect(read.rows).toEqual([
      { USER_ID: "2", NAME: "Grace Hopper" },
      { USER_ID: "4", NAME: "Katherine Johnson" },
    ]);
  });

  test("a bad query is FAILED with Snowflake's code, SQL state and message", async () => {
    const bad = new SnowflakeTask("bad", {
      queryTemplate: "SELECT * FROM NO_SUCH_TABLE",
      pluginConfig: CONFIG,
    });
    const meta = await submit(bad as never, {});
    await connector.get(meta, ctx());
    const failed = await connector.get(meta, ctx());
    expect(failed).toMatchObject({
      phase: Phase.FAILED,
      message: expect.stringMatching(
        /^002003 \(42S02\): SQL compilation error:\nObject 'NO_SUCH_TABLE' does not exist/,
      ),
      customInfo: { code: "002003", sqlState: "42S02" },
    });
  });

  test("delete cancels a running statement (ABORTED after), and succeeds for finished and unknown ones", async () => {
    const running = await submit();
    await connector.delete(running, ctx());
    expect(await connector.get(running, ctx())).toMatchObject({
      phase: Phase.ABORTED,
      message: expect.stringContaining("000604"),
    });
    await connector.delete(running, ctx());
    const finished = await submit();
    await connector.get(finished, ctx());
    expect((await connector.get(finished, ctx())).phase).toBe(Phase.SUCCEEDED);
    await connector.delete(finished, ctx());
    expect((await connector.get(finished, ctx())).phase).toBe(Phase.SUCCEEDED);
    const unknown = { ...finished, query_id: randomUUID() };
    await connector.delete(unknown, ctx());
    expect(await connector.get(unknown, ctx())).toMatchObject({
      phase: Phase.FAILED,
      message: expect.stringContaining("does not exist"),
    });
  });

  test("transient trouble is RUNNING with a message, within the call's deadline", async () => {
    const meta = await submit();
    emulator.faults.unavailable(1);
    expect(await connector.get(meta, ctx())).toMatchObject({
      phase: Phase.RUNNING,
      message: expect.stringContaining("HTTP 503"),
    });
    emulator.faults.rateLimited(1);
    expect(await connector.get(meta, ctx())).toMatchObject({
      phase: Phase.RUNNING,
      message: expect.stringContaining("HTTP 429"),
    });
    emulator.faults.hang(true);
    const slow = ctx(SECRETS, 1500);
    expect(await connector.get(meta, slow)).toMatchObject({
      phase: Phase.RUNNING,
      message: expect.stringContaining("did not answer before the call's deadline"),
    });
    // Answered before the deadline: the call's own signal (which fires at the deadline) has not fired.
    expect(slow.signal.aborted).toBe(false);
  });

  test("create retries a 503 burst with the same requestId (one statement); a hang is UNAVAILABLE before the deadline", async () => {
    emulator.faults.unavailable(2);
    const before = emulator.statements().length;
    const meta = await submit(activeUsers(), INPUTS, "retried-create");
    expect(emulator.statements().length).toBe(before + 1);
    expect(await submit(activeUsers(), INPUTS, "retried-create")).toEqual(meta);
    emulator.faults.hang(true);
    const create = track(
      createContext({ template: activeUsers(), inputs: INPUTS, secrets: SECRETS, deadlineMs: 1500 }),
    );
    await expect(connector.create(create)).rejects.toMatchObject({ code: "unavailable" });
    expect(create.signal.aborted).toBe(false);
  });

  test("passwords are INVALID_ARGUMENT naming the alternatives; no key at all names the secret", async () => {
    const withPassword = new SnowflakeTask("p", {
      queryTemplate: "SELECT 1",
      pluginConfig: { ...CONFIG, connection_kwargs: { password: "hunter2-Pw" } },
    });
    const create = track(createContext({ template: withPassword, inputs: {} }));
    const error = (await connector.create(create).catch((e: unknown) => e)) as Error & { code: string };
    expect(error.code).toBe("bad_request");
    expect(error.message).toContain("does not accept passwords");
    expect(error.message).toContain("snowflake_private_key");
    expect(error.message).toContain('authenticator "oauth"');
    expect(error.message + create.logs.text).not.toContain("hunter2-Pw");
    const none = track(createContext({ template: activeUsers(), inputs: INPUTS }));
    await expect(connector.create(none)).rejects.toMatchObject({
      code: "bad_request",
      message: expect.stringContaining("snowflake_private_key is not set"),
    });
    const locked = track(
      createContext({
        template: activeUsers(),
        inputs: INPUTS,
        secrets: { snowflake_private_key: KEYS.privateKey },
      }),
    );
    await expect(connector.create(locked)).rejects.toMatchObject({
      message: expect.stringContaining("encrypted"),
    });
  });

  test("an OAuth token from connection_kwargs signs in instead of a key pair; role goes in the body", async () => {
    const oauth = new SnowflakeTask("o", {
      queryTemplate: "SELECT 1 AS ONE",
      pluginConfig: {
        ...CONFIG,
        connection_kwargs: { authenticator: "oauth", token: OAUTH_TOKEN, role: "ANALYST" },
      },
    });
    const meta = await connector.create(track(createContext({ template: oauth, inputs: {} })));
    expect(bodyOf(meta).body).toMatchObject({ role: "ANALYST" });
    // The token served the submission; resource_meta (stored by the backend as is) does not keep it.
    expect(meta.connection_kwargs).toEqual({ authenticator: "oauth", role: "ANALYST" });
    expect(JSON.stringify(meta)).not.toContain(OAUTH_TOKEN);
    const noToken = await connector.get(meta, ctx({}));
    expect(noToken).toMatchObject({
      phase: Phase.FAILED,
      message: expect.stringContaining("snowflake_oauth_token"),
    });
    expect(noToken.message).not.toContain(OAUTH_TOKEN);
    expect(emulator.statement(meta.query_id)!.principal).toEqual({
      account: "MYORG-ACCT",
      user: "FLYTE",
      via: "OAUTH",
    });
    // Polls take the token from the secret snowflake_oauth_token.
    await connector.get(meta, ctx({ snowflake_oauth_token: OAUTH_TOKEN }));
    expect((await connector.get(meta, ctx({ snowflake_oauth_token: OAUTH_TOKEN }))).phase).toBe(
      Phase.SUCCEEDED,
    );
  });

  test("a key the account does not know is FAILED on get, PERMISSION_DENIED on create, naming the secret", async () => {
    const meta = await submit();
    const { generateKeyPairSync } = await import("node:crypto");
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    const answer = await connector.get(meta, ctx({ snowflake_private_key: other }));
    expect(answer).toMatchObject({
      phase: Phase.FAILED,
      message: expect.stringContaining("snowflake_private_key"),
    });
    expect(answer.message).toContain("390144");
    const create = track(
      createContext({ template: activeUsers(), inputs: INPUTS, secrets: { snowflake_private_key: other } }),
    );
    await expect(connector.create(create)).rejects.toMatchObject({ code: "permission_denied" });
  });

  test("no key, passphrase or JWT in logs, errors or messages", async () => {
    const c = track(createContext({ template: activeUsers(), inputs: INPUTS, secrets: SECRETS }));
    const meta = await connector.create(c);
    const g = ctx();
    const answers = [await connector.get(meta, g), await connector.get(meta, g)];
    await connector.delete(meta, g);
    const text = c.logs.text + g.logs.text + JSON.stringify(answers) + JSON.stringify(meta);
    expect(text).not.toMatch(JWT_PATTERN);
    expect(text).not.toContain(PASSPHRASE);
    expect(text).not.toContain("PRIVATE KEY");
  });

  test("the query link: org and account split at the first -, a plain locator alone; request ids are v5 UUIDs", () => {
    expect(queryLink("myorg-my-acct", "q1")).toBe(
      "https://app.snowflake.com/myorg/my-acct/#/compute/history/queries/q1/detail",
    );
    expect(queryLink("xy12345", "q1")).toBe(
      "https://app.snowflake.com/xy12345/#/compute/history/queries/q1/detail",
    );
    expect(requestIdOf("k")).toBe(requestIdOf("k"));
    expect(requestIdOf("k")).not.toBe(requestIdOf("k2"));
    expect(requestIdOf("k")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe("SnowflakeTask", () => {
  test("writes the Python plugin's template: folded query, custom config, secrets as environment variable names", () => {
    const task = new SnowflakeTask("t", {
      queryTemplate: "  SELECT *\n\tFROM  T\n WHERE A = %(a)s  ",
      pluginConfig: { ...CONFIG, connection_kwargs: { role: "R" } },
      inputs: { a: types.int },
      secretGroup: "snow-flake",
      snowflakePrivateKey: "private-key",
      snowflakePrivateKeyPassphrase: "passphrase",
      batch: true,
    });
    const proto = task.toProto();
    expect(proto.type).toBe("snowflake");
    expect(proto.target).toEqual({
      $case: "sql",
      value: { statement: "SELECT * FROM T WHERE A = %(a)s", dialect: 1 },
    });
    expect(proto.custom).toEqual({
      account: ACCOUNT,
      database: "SAMPLES",
      schema: "PUBLIC",
      warehouse: "COMPUTE_WH",
      user: USER,
      batch: true,
      connection_kwargs: { role: "R" },
      secrets: {
        snowflake_private_key: "SNOW_FLAKE_PRIVATE_KEY",
        snowflake_private_key_passphrase: "SNOW_FLAKE_PASSPHRASE",
      },
    });
    expect(
      Object.keys(
        new SnowflakeTask("u", { queryTemplate: "SELECT 1", pluginConfig: CONFIG }).toProto().custom!,
      ),
    ).toEqual(["account", "database", "schema", "warehouse", "user"]);
  });
});
