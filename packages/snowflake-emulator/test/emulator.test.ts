/**
 * The emulator over real HTTP: async statements stepped per poll, results and errors in the SQL API's
 * shape, bindings, requestId dedupe, cancel, JWT checks, faults and seed data.
 */
import path from "node:path";
import { loadSeedFile, startSnowflakeEmulator, type RunningSnowflakeEmulator } from "../src";
import { call, jwtFor, keyPair } from "./support";

const user = keyPair();
const stranger = keyPair();
let emulator: RunningSnowflakeEmulator;
let token: string;
const REQ = "8d3a4f2e-1b2c-5d6e-8f90-112233445566";

beforeAll(async () => {
  emulator = await startSnowflakeEmulator({
    users: [{ account: "myorg-acct", user: "flyte", publicKey: user.publicPem }],
    seed: await loadSeedFile(path.join(__dirname, "../data/sample.yaml")),
  });
  token = await jwtFor(user.privateKey, "MYORG-ACCT", "FLYTE");
});
afterAll(() => emulator?.close());
afterEach(() => emulator.faults.clear());

const post = (body: unknown, query = "?async=true") =>
  call(emulator.url, token, "POST", `/api/v2/statements${query}`, body);
const get = (handle: string, query = "") =>
  call(emulator.url, token, "GET", `/api/v2/statements/${handle}${query}`);

test("an async statement answers 202, then 202 while running, then 200 with the SQL API's result set", async () => {
  const submitted = await post({
    statement: "SELECT USER_ID, NAME, SIGNUP_DATE, IS_ACTIVE FROM USERS WHERE USER_ID <= ? ORDER BY USER_ID",
    database: "SAMPLES",
    schema: "PUBLIC",
    warehouse: "WH",
    bindings: { "1": { type: "FIXED", value: "2" } },
  });
  expect(submitted.status).toBe(202);
  expect(submitted.body).toMatchObject({ code: "333334", statementHandle: expect.any(String) });
  const handle = submitted.body.statementHandle as string;
  expect((await get(handle)).status).toBe(202);
  const done = await get(handle);
  expect(done.status).toBe(200);
  expect(done.body).toMatchObject({
    code: "090001",
    sqlState: "00000",
    statementHandle: handle,
    resultSetMetaData: { numRows: 2, format: "jsonv2", partitionInfo: [{ rowCount: 2 }] },
    data: [
      ["1", "Ada Lovelace", "19737", "true"],
      ["2", "Grace Hopper", "19756", "true"],
    ],
  });
  const rowType = (done.body.resultSetMetaData as { rowType: Array<Record<string, unknown>> }).rowType;
  expect(rowType.map((c) => [c.name, c.type])).toEqual([
    ["USER_ID", "fixed"],
    ["NAME", "text"],
    ["SIGNUP_DATE", "date"],
    ["IS_ACTIVE", "boolean"],
  ]);
  // Reading again does not run it again.
  expect((await get(handle)).body.data).toEqual(done.body.data);
});

test("a synchronous statement answers its result at once; partitions page it", async () => {
  const answer = await post({ statement: "SELECT range AS N FROM range(5)", database: "SAMPLES" }, "");
  expect(answer.status).toBe(200);
  expect((answer.body.data as unknown[]).length).toBe(5);
});

test("a failing statement answers 422 with code, sqlState and message", async () => {
  const { body } = await post({ statement: "SELECT * FROM NOPE", database: "SAMPLES" });
  const handle = body.statementHandle as string;
  await get(handle);
  const failed = await get(handle);
  expect(failed.status).toBe(422);
  expect(failed.body).toMatchObject({
    code: "002003",
    sqlState: "42S02",
    message: expect.stringContaining("Object 'NOPE' does not exist"),
    statementHandle: handle,
  });
  const syntax = await post({ statement: "SELEC 1", database: "SAMPLES" }, "");
  expect(syntax).toMatchObject({ status: 422, body: { code: "001003", sqlState: "42000" } });
});

test("the same requestId with retry=true is the same statement, run once", async () => {
  const statement = { statement: "INSERT INTO EVENTS VALUES (1, 'a', 1.5)", database: "SAMPLES" };
  const a = await post(statement, `?async=true&requestId=${REQ}&retry=true`);
  const b = await post(statement, `?async=true&requestId=${REQ}&retry=true`);
  expect(b.body.statementHandle).toBe(a.body.statementHandle);
  const handle = a.body.statementHandle as string;
  await get(handle);
  const done = await get(handle);
  expect(done.body.data).toEqual([["1"]]);
  expect((done.body.resultSetMetaData as { rowType: Array<{ name: string }> }).rowType[0]!.name).toBe(
    "number of rows inserted",
  );
  expect(await emulator.query("SELECT count(*) AS N FROM SAMPLES.PUBLIC.EVENTS")).toEqual([{ N: "1" }]);
  expect(emulator.submissions.filter((s) => s.handle === handle).map((s) => s.deduplicated)).toEqual([
    false,
    true,
  ]);
});

test("cancel stops a running statement (422 000604 after); a finished one is left as it is", async () => {
  const { body } = await post({ statement: "DELETE FROM EVENTS", database: "SAMPLES" });
  const handle = body.statementHandle as string;
  const cancelled = await call(emulator.url, token, "POST", `/api/v2/statements/${handle}/cancel`);
  expect(cancelled.status).toBe(200);
  expect(await get(handle)).toMatchObject({ status: 422, body: { code: "000604", sqlState: "57014" } });
  const again = await call(emulator.url, token, "POST", `/api/v2/statements/${handle}/cancel`);
  expect(again.status).toBe(200);
  const unknown = await call(
    emulator.url,
    token,
    "POST",
    "/api/v2/statements/00000000-0000-0000-0000-000000000000/cancel",
  );
  expect(unknown.status).toBe(404);
});

test("bindings of every type are cast for DuckDB", async () => {
  const answer = await post(
    {
      statement: "SELECT ? AS I, ? AS F, ? AS S, ? AS B, ? AS D, ? AS T",
      bindings: {
        "1": { type: "FIXED", value: "42" },
        "2": { type: "REAL", value: "1.5" },
        "3": { type: "TEXT", value: "it's" },
        "4": { type: "BOOLEAN", value: "true" },
        "5": { type: "DATE", value: "1970-01-03" },
        "6": { type: "TIMESTAMP_NTZ", value: "1970-01-01 00:00:01.5" },
      },
    },
    "",
  );
  expect(answer.body.data).toEqual([["42", "1.5", "it's", "true", "2", "1.500000000"]]);
  const mismatch = await post({ statement: "SELECT ?", bindings: {} }, "");
  expect(mismatch).toMatchObject({ status: 422, body: { code: "002049" } });
});

test("a statement stays running for a scripted number of polls", async () => {
  emulator.scriptNextStatements(3);
  const { body } = await post({ statement: "SELECT 1" });
  const handle = body.statementHandle as string;
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await get(handle)).status);
  expect(statuses).toEqual([202, 202, 202, 200]);
});

test("bad, foreign, expired and over-long tokens are 401 with Snowflake's code", async () => {
  const bad = async (t: string) =>
    call(emulator.url, t, "POST", "/api/v2/statements", { statement: "SELECT 1" });
  expect(await bad("not-a-jwt")).toMatchObject({ status: 401, body: { code: "390144" } });
  expect(await bad(await jwtFor(stranger.privateKey, "MYORG-ACCT", "FLYTE"))).toMatchObject({ status: 401 });
  expect(await bad(await jwtFor(user.privateKey, "MYORG-ACCT", "SOMEONE"))).toMatchObject({ status: 401 });
  expect(
    await bad(await jwtFor(user.privateKey, "MYORG-ACCT", "FLYTE", { issuedAgoSeconds: 7200 })),
  ).toMatchObject({
    status: 401,
    body: { message: expect.stringContaining("expired") },
  });
  expect(
    await bad(await jwtFor(user.privateKey, "MYORG-ACCT", "FLYTE", { lifetimeSeconds: 7200 })),
  ).toMatchObject({
    status: 401,
  });
  const none = await fetch(`${emulator.url}/api/v2/statements`, { method: "POST", body: "{}" });
  expect(none.status).toBe(401);
});

test("faults: 503 bursts, 429 with Retry-After, hangs", async () => {
  emulator.faults.unavailable(2);
  expect((await post({ statement: "SELECT 1" })).status).toBe(503);
  expect((await post({ statement: "SELECT 1" })).status).toBe(503);
  expect((await post({ statement: "SELECT 1" })).status).toBe(202);
  emulator.faults.rateLimited(1, 2);
  const limited = await fetch(`${emulator.url}/api/v2/statements`, { method: "POST" });
  expect(limited.status).toBe(429);
  expect(limited.headers.get("retry-after")).toBe("2");
  emulator.faults.hang(1);
  const hung = emulator.nextHang();
  const controller = new AbortController();
  const request = fetch(`${emulator.url}/api/v2/statements`, {
    method: "POST",
    signal: controller.signal,
  }).catch((e: Error) => e.name);
  await hung;
  expect(emulator.hungRequests).toBe(1);
  controller.abort();
  expect(await request).toBe("AbortError");
});

test("an unknown database is a 422 naming it", async () => {
  const answer = await post({ statement: "SELECT 1", database: "NOPE_DB" }, "");
  expect(answer).toMatchObject({
    status: 422,
    body: { code: "002043", message: expect.stringContaining("NOPE_DB") },
  });
});

test("Snowflake functions DuckDB lacks by name work through the macros", async () => {
  const answer = await post(
    {
      statement:
        "SELECT IFF(1 > 0, 'y', 'n') AS A, NVL(NULL, 2) AS B, TO_DATE('1970-01-02') AS C, ZEROIFNULL(NULL) AS D",
      database: "SAMPLES",
    },
    "",
  );
  expect(answer.body.data).toEqual([["y", "2", "1", "0"]]);
});
