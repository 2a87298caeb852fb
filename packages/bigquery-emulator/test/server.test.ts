import { gzipSync } from "node:zlib";
import { http, PROJECT, useEmulator } from "./support";

const emulator = useEmulator({
  jobDelayMs: 0,
  data: {
    datasets: [
      {
        id: "d",
        tables: [{ id: "t", schema: { fields: [{ name: "x", type: "INT64" }] }, rows: [{ x: 1 }] }],
      },
    ],
  },
});

function expectError(
  res: { status: number; json: any },
  code: number,
  reason: string,
  message?: RegExp,
): void {
  expect(res.status).toBe(code);
  expect(res.json).toEqual({
    error: {
      code,
      message: expect.any(String),
      errors: [expect.objectContaining({ reason, domain: "global", message: res.json.error.message })],
      status: expect.any(String),
    },
  });
  if (message) expect(res.json.error.message).toMatch(message);
}

describe("the HTTP surface", () => {
  test("both /bigquery/v2/projects/... and /projects/... are served", async () => {
    for (const prefix of ["/bigquery/v2", ""]) {
      const res = await http(emulator(), "GET", `${prefix}/projects/${PROJECT}/datasets/d/tables/t`);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ kind: "bigquery#table", numRows: "1" });
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    }
  });

  test("a malformed JSON body is a 400 invalid, and the server keeps serving", async () => {
    const bad = await http(emulator(), "POST", `/bigquery/v2/projects/${PROJECT}/jobs`, "{not json");
    expectError(bad, 400, "invalid", /^Invalid JSON payload received/);
    const array = await http(emulator(), "POST", `/bigquery/v2/projects/${PROJECT}/datasets`, "[1, 2]");
    expectError(array, 400, "invalid");
    const ok = await http(emulator(), "POST", `/bigquery/v2/projects/${PROJECT}/queries`, {
      query: "SELECT 1 AS one",
      useLegacySql: false,
    });
    expect(ok.status).toBe(200);
    expect(ok.json.rows).toEqual([{ f: [{ v: "1" }] }]);
  });

  test("an unknown path or method is a 404 in BigQuery's error shape", async () => {
    expectError(
      await http(emulator(), "GET", "/nothing/here"),
      404,
      "notFound",
      /^Not found: GET \/nothing\/here$/,
    );
    expectError(await http(emulator(), "DELETE", `/bigquery/v2/projects/${PROJECT}/jobs`), 404, "notFound");
    expectError(
      await http(emulator(), "GET", `/bigquery/v2/projects/${PROJECT}/datasets/d/tables/t/bogus`),
      404,
      "notFound",
    );
    expectError(
      await http(emulator(), "GET", `/bigquery/v2/projects/${PROJECT}/queries/missing-job`),
      404,
      "notFound",
      /^Not found: Job test-project:US\.missing-job$/,
    );
  });

  test("requests the emulator cannot serve are 400 with a reason", async () => {
    expectError(
      await http(emulator(), "POST", `/bigquery/v2/projects/${PROJECT}/jobs`, {}),
      400,
      "invalid",
      /configuration/,
    );
    expectError(
      await http(emulator(), "POST", `/bigquery/v2/projects/${PROJECT}/jobs`, {
        configuration: { load: { sourceUris: ["gs://x"] } },
      }),
      400,
      "invalid",
      /query jobs only, not load jobs/,
    );
    expectError(
      await http(
        emulator(),
        "GET",
        `/bigquery/v2/projects/${PROJECT}/datasets/d/tables/t/data?pageToken=garbage`,
      ),
      400,
      "invalid",
      /Invalid page token/,
    );
    expectError(
      await http(
        emulator(),
        "GET",
        `/bigquery/v2/projects/${PROJECT}/datasets/d/tables/t/data?maxResults=-1`,
      ),
      400,
      "invalid",
    );
    const legacy = await http(emulator(), "POST", `/bigquery/v2/projects/${PROJECT}/queries`, {
      query: "SELECT 1",
      useLegacySql: true,
    });
    expectError(legacy, 400, "invalidQuery", /Legacy SQL is not supported/);
  });

  test("gzip request bodies are accepted", async () => {
    const res = await fetch(`${emulator().url}/projects/${PROJECT}/queries`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body: gzipSync(JSON.stringify({ query: "SELECT 'zipped' AS z" })),
    });
    expect(((await res.json()) as any).rows).toEqual([{ f: [{ v: "zipped" }] }]);
  });

  test("a burst of garbage and good requests: every bad one fails alone", async () => {
    const requests = Array.from({ length: 30 }, (_, k) =>
      k % 3 === 0
        ? http(emulator(), "POST", `/projects/${PROJECT}/queries`, `{"query": ${k}`)
        : k % 3 === 1
          ? http(emulator(), "POST", `/projects/${PROJECT}/queries`, {
              query: `SELECT x + ${k} AS y FROM d.t`,
            })
          : http(emulator(), "POST", `/projects/${PROJECT}/queries`, { query: "SELECT * FROM (" }),
    );
    const results = await Promise.all(requests);
    results.forEach((res, k) => {
      if (k % 3 === 1) expect(res.json.rows).toEqual([{ f: [{ v: String(1 + k) }] }]);
      else expect(res.status).toBe(400);
    });
    expect((await http(emulator(), "GET", "/healthz")).json).toMatchObject({ status: "ok" });
  });
});

describe("jobs over raw HTTP", () => {
  test("jobs.query with the same requestId returns the same job", async () => {
    const body = { query: "SELECT 7 AS n", requestId: "req-1" };
    const first = await http(emulator(), "POST", `/projects/${PROJECT}/queries`, body);
    const second = await http(emulator(), "POST", `/projects/${PROJECT}/queries`, body);
    expect(first.json.jobReference.jobId).toBe(second.json.jobReference.jobId);
    expect(first.json).toMatchObject({
      kind: "bigquery#queryResponse",
      jobComplete: true,
      totalRows: "1",
      schema: { fields: [{ name: "n", type: "INTEGER" }] },
    });
  });

  test("jobs.insert always answers with status, and jobs.list filters by state", async () => {
    const insert = await http(emulator(), "POST", `/projects/${PROJECT}/jobs`, {
      jobReference: { jobId: "listed" },
      configuration: { query: { query: "SELECT 1" } },
    });
    expect(insert.json.status).toEqual({ state: "DONE" });
    const list = await http(emulator(), "GET", `/projects/${PROJECT}/jobs?stateFilter=done&maxResults=500`);
    expect(list.json.kind).toBe("bigquery#jobList");
    const ids = list.json.jobs.map((j: any) => j.jobReference.jobId);
    expect(ids).toContain("listed");
    expect(list.json.jobs[0]).toMatchObject({ state: "DONE", status: { state: "DONE" } });
    const running = await http(emulator(), "GET", `/projects/${PROJECT}/jobs?stateFilter=running`);
    expect(running.json.jobs).toEqual([]);
  });

  test("a dry run returns the schema without running or storing a job", async () => {
    const res = await http(emulator(), "POST", `/projects/${PROJECT}/jobs`, {
      jobReference: { jobId: "dry" },
      configuration: { dryRun: true, query: { query: "CREATE TABLE d.never AS SELECT 1 AS a" } },
    });
    expect(res.json.status).toEqual({ state: "DONE" });
    const select = await http(emulator(), "POST", `/projects/${PROJECT}/jobs`, {
      configuration: { dryRun: true, query: { query: "SELECT x, 'a' AS s FROM d.t" } },
    });
    expect(select.json.statistics.query.schema.fields.map((f: any) => [f.name, f.type])).toEqual([
      ["x", "INTEGER"],
      ["s", "STRING"],
    ]);
    expectError(await http(emulator(), "GET", `/projects/${PROJECT}/jobs/dry`), 404, "notFound");
    expectError(
      await http(emulator(), "GET", `/projects/${PROJECT}/datasets/d/tables/never`),
      404,
      "notFound",
    );
  });
});
