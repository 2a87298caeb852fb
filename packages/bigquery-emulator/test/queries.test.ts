import { BigQuery } from "@google-cloud/bigquery";
import { LogCapture } from "@flyte-connectors/testing";
import pino from "pino";
import { startEmulator } from "../src/index";
import { client, http, PROJECT, useEmulator, waitForDone } from "./support";

const emulator = useEmulator({
  jobDelayMs: 0,
  data: {
    datasets: [
      {
        id: "shop",
        tables: [
          {
            id: "orders",
            schema: {
              fields: [
                { name: "id", type: "INT64", mode: "REQUIRED" },
                { name: "customer", type: "STRING" },
                { name: "amount", type: "NUMERIC" },
                { name: "placed_at", type: "TIMESTAMP" },
                { name: "items", type: "STRING", mode: "REPEATED" },
                {
                  name: "address",
                  type: "RECORD",
                  fields: [
                    { name: "city", type: "STRING" },
                    { name: "zip", type: "STRING" },
                  ],
                },
              ],
            },
            rows: [
              {
                id: 1,
                customer: "ada",
                amount: "10.50",
                placed_at: "2024-03-01T10:00:00Z",
                items: ["tea", "cake"],
                address: { city: "London", zip: "N1" },
              },
              {
                id: 2,
                customer: "grace",
                amount: "99.99",
                placed_at: "2024-03-02T11:30:00.123456Z",
                items: [],
                address: null,
              },
              {
                id: 3,
                customer: null,
                amount: null,
                placed_at: null,
                items: ["pie"],
                address: { city: "Paris", zip: null },
              },
            ],
          },
        ],
      },
      { id: "out" },
    ],
  },
});

describe("query results through the Google client", () => {
  test("typed rows from a table: integers, NUMERIC, TIMESTAMP, REPEATED, RECORD and NULL", async () => {
    const bq = client(emulator());
    const [rows] = await bq.query("SELECT * FROM shop.orders ORDER BY id");
    expect(rows).toHaveLength(3);
    expect(rows[0].id).toBe(1);
    expect(rows[0].amount.toString()).toBe("10.5");
    expect(new Date(rows[0].placed_at.value).toISOString()).toBe("2024-03-01T10:00:00.000Z");
    expect(rows[1].placed_at.value).toMatch(/^2024-03-02T11:30:00\.123456/);
    expect(rows[0].items).toEqual(["tea", "cake"]);
    expect(rows[1].items).toEqual([]);
    expect(rows[0].address).toEqual({ city: "London", zip: "N1" });
    expect(rows[1].address).toBeNull();
    expect(rows[2]).toMatchObject({
      customer: null,
      amount: null,
      placed_at: null,
      address: { city: "Paris", zip: null },
    });
  });

  test("the wire format: strings for scalars, {v:[...]} for REPEATED, {v:{f:[...]}} for RECORD, null for NULL", async () => {
    const bq = client(emulator());
    const [job] = await bq.createQueryJob({
      query:
        "SELECT id, amount, placed_at, items, address, 1.5 AS f, TRUE AS b FROM shop.orders WHERE id IN (1, 3) ORDER BY id",
      jobId: "wire-format",
    });
    const micros = await http(
      emulator(),
      "GET",
      `/bigquery/v2/projects/${PROJECT}/queries/${job.id}?formatOptions.useInt64Timestamp=true`,
    );
    expect(micros.status).toBe(200);
    expect(micros.json.schema.fields.map((f: any) => [f.name, f.type, f.mode])).toEqual([
      ["id", "INTEGER", "NULLABLE"],
      ["amount", "NUMERIC", "NULLABLE"],
      ["placed_at", "TIMESTAMP", "NULLABLE"],
      ["items", "STRING", "REPEATED"],
      ["address", "RECORD", "NULLABLE"],
      ["f", "FLOAT", "NULLABLE"],
      ["b", "BOOLEAN", "NULLABLE"],
    ]);
    expect(micros.json.rows[0]).toEqual({
      f: [
        { v: "1" },
        { v: "10.5" },
        { v: "1709287200000000" },
        { v: [{ v: "tea" }, { v: "cake" }] },
        { v: { f: [{ v: "London" }, { v: "N1" }] } },
        { v: "1.5" },
        { v: "true" },
      ],
    });
    expect(micros.json.rows[1].f.slice(1, 5)).toEqual([
      { v: null },
      { v: null },
      { v: [{ v: "pie" }] },
      { v: { f: [{ v: "Paris" }, { v: null }] } },
    ]);
    expect(micros.json.totalRows).toBe("2");
    expect(micros.json.jobComplete).toBe(true);
    const seconds = await http(emulator(), "GET", `/projects/${PROJECT}/queries/${job.id}`);
    expect(seconds.json.rows[0].f[2]).toEqual({ v: "1709287200" });
  });

  test("unnamed columns are f0_, f1_, ... as in BigQuery", async () => {
    const [rows] = await client(emulator()).query("SELECT COUNT(*), MAX(id) AS top, 1 + 1 FROM shop.orders");
    expect(rows).toEqual([{ f0_: 3, top: 3, f1_: 2 }]);
  });

  test("a job's metadata looks like BigQuery's", async () => {
    const bq = client(emulator());
    const [job] = await bq.createQueryJob({
      query: "SELECT 1 AS one",
      jobId: "metadata-shape",
      labels: { team: "data" },
    });
    const { metadata } = await waitForDone(job);
    expect(metadata).toMatchObject({
      kind: "bigquery#job",
      id: `${PROJECT}:US.metadata-shape`,
      jobReference: { projectId: PROJECT, jobId: "metadata-shape", location: "US" },
      configuration: {
        jobType: "QUERY",
        labels: { team: "data" },
        query: {
          query: "SELECT 1 AS one",
          useLegacySql: false,
          writeDisposition: "WRITE_TRUNCATE",
          createDisposition: "CREATE_IF_NEEDED",
          priority: "INTERACTIVE",
        },
      },
      status: { state: "DONE" },
      statistics: { query: { statementType: "SELECT", cacheHit: false, totalBytesProcessed: "0" } },
    });
    expect(metadata.selfLink).toBe(
      `${emulator().url}/bigquery/v2/projects/${PROJECT}/jobs/metadata-shape?location=US`,
    );
    const destination = metadata.configuration.query.destinationTable;
    expect(destination.datasetId).toMatch(/^_[0-9a-f]+$/);
    expect(destination.tableId).toMatch(/^anon[0-9a-f]+$/);
    for (const key of ["creationTime", "startTime", "endTime"])
      expect(metadata.statistics[key]).toMatch(/^\d+$/);
    // The anonymous result table can be read like any other, and its dataset stays hidden.
    const [rows] = await bq.dataset(destination.datasetId).table(destination.tableId).getRows();
    expect(rows).toEqual([{ one: 1 }]);
    const [datasets] = await bq.getDatasets();
    expect(datasets.map((d) => d.id)).toEqual(["out", "shop"]);
  });

  test("a client-chosen job id that already exists is a 409", async () => {
    const bq = client(emulator(), { autoRetry: false });
    await bq.createQueryJob({ query: "SELECT 1", jobId: "twice" });
    await expect(bq.createQueryJob({ query: "SELECT 2", jobId: "twice" })).rejects.toMatchObject({
      code: 409,
      message: `Already Exists: Job ${PROJECT}:US.twice`,
    });
  });

  test("DML reports affected rows", async () => {
    const bq = client(emulator());
    await bq.query("CREATE TABLE out.dml AS SELECT id, customer FROM shop.orders");
    const [job] = await bq.createQueryJob({
      query: "UPDATE out.dml SET customer = 'x' WHERE id > 1",
      jobId: "dml-update",
    });
    const { metadata } = await waitForDone(job);
    expect(metadata.statistics.query).toMatchObject({ statementType: "UPDATE", numDmlAffectedRows: "2" });
    const results = await http(emulator(), "GET", `/projects/${PROJECT}/queries/dml-update`);
    expect(results.json).toMatchObject({ jobComplete: true, numDmlAffectedRows: "2" });
    const [rows] = await bq.query("SELECT customer FROM out.dml ORDER BY id");
    expect(rows.map((r) => r.customer)).toEqual(["ada", "x", "x"]);
  });
});

describe("query parameters", () => {
  const values = (bq: BigQuery) => ({
    i: 42,
    f: 1.5,
    n: "12.345",
    s: "O'Brien -- not a comment",
    b: true,
    by: Buffer.from("héllo"),
    d: bq.date("2024-02-29"),
    dt: bq.datetime("2024-02-29T10:11:12.500000"),
    t: bq.time("23:59:58.25"),
    ts: bq.timestamp(new Date("2024-02-29T10:11:12.345Z")),
    arr: [1, 2, 3],
    st: { a: 7, b: "x" },
  });

  function check(row: any): void {
    expect(row.i).toBe(42);
    expect(row.i1).toBe(43);
    expect(row.f).toBe(1.5);
    expect(row.n.toString()).toBe("12.345");
    expect(row.s).toBe("O'Brien -- not a comment");
    expect(row.b).toBe(true);
    expect(Buffer.from(row.by).toString()).toBe("héllo");
    expect(row.d.value).toBe("2024-02-29");
    expect(row.dt.value).toBe("2024-02-29T10:11:12.500000");
    expect(row.t.value).toBe("23:59:58.250000");
    expect(new Date(row.ts.value).toISOString()).toBe("2024-02-29T10:11:12.345Z");
    expect(row.arr).toEqual([1, 2, 3]);
    expect(row.arr_len).toBe(3);
    expect(row.st).toEqual({ a: 7, b: "x" });
    expect(row.st_b).toBe("x");
  }

  const namedQuery =
    "SELECT @i AS i, @i + 1 AS i1, @f AS f, @n AS n, @s AS s, @b AS b, @by AS `by`, @d AS d, @dt AS dt, @t AS t, @ts AS ts, " +
    "@arr AS arr, ARRAY_LENGTH(@arr) AS arr_len, @st AS st, @st.b AS st_b";

  test("named parameters of every type, through jobs.query", async () => {
    const bq = client(emulator());
    const [rows] = await bq.query({ query: namedQuery, params: values(bq), types: { n: "NUMERIC" } });
    expect(rows).toHaveLength(1);
    check(rows[0]);
  });

  test("named parameters of every type, through jobs.insert and getQueryResults", async () => {
    const bq = client(emulator());
    const [job] = await bq.createQueryJob({
      query: namedQuery,
      params: values(bq),
      types: { n: "NUMERIC" },
      jobId: "named-params",
    });
    const [rows] = await job.getQueryResults();
    check(rows[0]);
    const [metadata] = await job.getMetadata();
    expect(metadata.configuration.query.parameterMode.toUpperCase()).toBe("NAMED");
    expect(metadata.configuration.query.queryParameters).toHaveLength(12);
  });

  test("positional parameters, BYTES as base64 with an explicit type, and NULL with a type", async () => {
    const bq = client(emulator());
    const [rows] = await bq.query({
      query: "SELECT ? AS a, ? AS b, ? AS c, ? IS NULL AS d",
      params: ["first", 2, Buffer.from("raw").toString("base64"), null],
      types: ["STRING", "INT64", "BYTES", "INT64"],
    });
    expect(rows[0].a).toBe("first");
    expect(rows[0].b).toBe(2);
    expect(Buffer.from(rows[0].c).toString()).toBe("raw");
    expect(rows[0].d).toBe(true);
  });

  test("parameters filter a table and are never spliced as SQL", async () => {
    const bq = client(emulator());
    const [rows] = await bq.query({
      query: "SELECT id FROM shop.orders WHERE customer = @name OR id IN UNNEST(@ids) ORDER BY id",
      params: { name: "x' OR '1'='1", ids: [3] },
    });
    expect(rows).toEqual([{ id: 3 }]);
  });
});

describe("destination tables", () => {
  test("WRITE_EMPTY, WRITE_APPEND, WRITE_TRUNCATE and CREATE_NEVER, read back with getRows and tabledata.list", async () => {
    const bq = client(emulator(), { autoRetry: false });
    const table = bq.dataset("out").table("big_orders");
    const run = async (writeDisposition?: string, createDisposition?: string) => {
      const [job] = await bq.createQueryJob({
        query: "SELECT id, customer FROM shop.orders WHERE id <= 2",
        destination: table,
        ...(writeDisposition ? { writeDisposition } : {}),
        ...(createDisposition ? { createDisposition } : {}),
      });
      return (await waitForDone(job)).metadata;
    };
    const first = await run();
    expect(first.status.errorResult).toBeUndefined();
    expect(first.configuration.query).toMatchObject({
      destinationTable: { projectId: PROJECT, datasetId: "out", tableId: "big_orders" },
      writeDisposition: "WRITE_EMPTY",
    });
    expect((await table.getRows())[0]).toEqual([
      { id: 1, customer: "ada" },
      { id: 2, customer: "grace" },
    ]);

    await expect(run("WRITE_EMPTY")).rejects.toMatchObject({
      message: expect.stringContaining(`Already Exists: Table ${PROJECT}:out.big_orders`),
    });
    await run("WRITE_APPEND");
    expect((await table.getRows())[0]).toHaveLength(4);
    await run("WRITE_TRUNCATE");
    expect((await table.getRows())[0]).toHaveLength(2);

    const page = await http(
      emulator(),
      "GET",
      `/bigquery/v2/projects/${PROJECT}/datasets/out/tables/big_orders/data?maxResults=1`,
    );
    expect(page.json).toMatchObject({
      kind: "bigquery#tableDataList",
      totalRows: "2",
      rows: [{ f: [{ v: "1" }, { v: "ada" }] }],
    });
    const next = await http(
      emulator(),
      "GET",
      `/bigquery/v2/projects/${PROJECT}/datasets/out/tables/big_orders/data?maxResults=1&pageToken=${page.json.pageToken}`,
    );
    expect(next.json.rows).toEqual([{ f: [{ v: "2" }, { v: "grace" }] }]);
    expect(next.json.pageToken).toBeUndefined();

    // With jobDelayMs 0 the job is already DONE in the jobs.insert answer, so the client throws.
    await expect(
      bq.createQueryJob({
        query: "SELECT 1 AS x",
        destination: bq.dataset("out").table("never"),
        createDisposition: "CREATE_NEVER",
        jobId: "never",
      }),
    ).rejects.toMatchObject({ message: `Not found: Table ${PROJECT}:out.never` });
    const [metadata] = await bq.job("never").getMetadata();
    expect(metadata.status.errorResult).toMatchObject({
      reason: "notFound",
      message: `Not found: Table ${PROJECT}:out.never`,
    });
  });
});

describe("failures, cancellation and pagination", () => {
  test("a query failing at execution: the job is DONE with invalidQuery and the engine's message", async () => {
    const slow = await startEmulator({ project: PROJECT, jobDelayMs: 50 });
    try {
      const bq = client(slow, { autoRetry: false });
      const [job] = await bq.createQueryJob({ query: "SELECT CAST('abc' AS INT64) AS n", jobId: "bad-cast" });
      const { metadata } = await waitForDone(job);
      expect(metadata.status.errorResult).toMatchObject({ reason: "invalidQuery", location: "query" });
      expect(metadata.status.errorResult.message).toMatch(
        /Conversion Error: Could not convert string 'abc' to INT64/,
      );
      expect(metadata.status.errors).toEqual([metadata.status.errorResult]);
      await expect(job.getQueryResults()).rejects.toMatchObject({
        code: 400,
        message: expect.stringMatching(/Could not convert string 'abc'/),
      });
    } finally {
      await slow.close();
    }
  });

  test("a syntax error fails the job at once; a missing table is notFound", async () => {
    const bq = client(emulator(), { autoRetry: false });
    const error = await bq
      .createQueryJob({ query: "SELECT FROM WHERE", jobId: "syntax" })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ errors: [expect.objectContaining({ reason: "invalidQuery" })] });
    const [metadata] = await bq.job("syntax").getMetadata();
    expect(metadata.status).toMatchObject({ state: "DONE", errorResult: { reason: "invalidQuery" } });

    const unsupported = await bq
      .query("SELECT * FROM shop.INFORMATION_SCHEMA.TABLES")
      .catch((e: unknown) => e);
    expect(unsupported).toMatchObject({
      code: 400,
      message: expect.stringContaining("Unsupported by the BigQuery emulator: INFORMATION_SCHEMA views"),
    });

    const missing = await bq.query("SELECT * FROM shop.nope").catch((e: unknown) => e);
    expect(missing).toMatchObject({
      code: 404,
      message: `Not found: Table ${PROJECT}:shop.nope was not found in location US`,
    });
  });

  test("cancel: a pending job stops without running, a DONE job is unchanged, an unknown job is 404", async () => {
    const slow = await startEmulator({
      project: PROJECT,
      jobDelayMs: 400,
      data: { datasets: [{ id: "d" }] },
    });
    try {
      const bq = client(slow, { autoRetry: false });
      const [job] = await bq.createQueryJob({
        query: "CREATE TABLE d.should_not_exist AS SELECT 1 AS x",
        jobId: "to-cancel",
      });
      const [cancelled] = await job.cancel();
      expect(cancelled).toMatchObject({
        kind: "bigquery#jobCancelResponse",
        job: { status: { state: "DONE", errorResult: { reason: "stopped" } } },
      });
      await new Promise((r) => setTimeout(r, 450));
      const [tables] = await bq.dataset("d").getTables();
      expect(tables).toHaveLength(0);

      const [done] = await bq.createQueryJob({ query: "SELECT 1", jobId: "finished" });
      await waitForDone(done);
      const [again] = await done.cancel();
      expect(again.job!.status).toEqual({ state: "DONE" });

      await expect(bq.job("no-such-job").cancel()).rejects.toMatchObject({
        code: 404,
        message: `Not found: Job ${PROJECT}:US.no-such-job`,
      });
    } finally {
      await slow.close();
    }
  });

  test("results page with maxResults and pageToken (autoPaginate: false), and startIndex", async () => {
    const bq = client(emulator());
    const [job] = await bq.createQueryJob({
      query: "SELECT x FROM UNNEST(GENERATE_ARRAY(1, 25)) AS x ORDER BY x",
      jobId: "pages",
    });
    const seen: number[] = [];
    let options: any = { maxResults: 10, autoPaginate: false };
    let pages = 0;
    while (options) {
      const [rows, next, response] = (await job.getQueryResults(options)) as unknown as [any[], any, any];
      expect(response.totalRows).toBe("25");
      seen.push(...rows.map((r) => r.x));
      options = next;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, k) => k + 1));
    const [fromTwenty] = await job.getQueryResults({ startIndex: "20", maxResults: 3, autoPaginate: false });
    expect(fromTwenty.map((r: any) => r.x)).toEqual([21, 22, 23]);
  });

  test("a job goes PENDING/RUNNING → DONE over jobDelayMs", async () => {
    const slow = await startEmulator({ project: PROJECT, jobDelayMs: 300 });
    try {
      const bq = client(slow);
      const [job, response] = await bq.createQueryJob({ query: "SELECT 1 AS x", jobId: "slow" });
      expect(response.status!.state).toBe("PENDING");
      const { states, metadata } = await waitForDone(job);
      expect(states[0]).toBe("PENDING");
      expect(states).toContain("RUNNING");
      expect(states[states.length - 1]).toBe("DONE");
      const { creationTime, startTime, endTime } = metadata.statistics;
      expect(Number(creationTime)).toBeLessThanOrEqual(Number(startTime));
      expect(Number(startTime)).toBeLessThanOrEqual(Number(endTime));
      expect(Number(endTime) - Number(creationTime)).toBeGreaterThanOrEqual(250);
      // getQueryResults waits for the job instead of answering jobComplete:false.
      const [late] = await bq.createQueryJob({ query: "SELECT 2 AS x" });
      expect((await late.getQueryResults())[0]).toEqual([{ x: 2 }]);
    } finally {
      await slow.close();
    }
  });
});

describe("BIGQUERY_EMULATOR_HOST", () => {
  test("the client calls /projects/... without the /bigquery/v2 prefix, and it works", async () => {
    const logs = new LogCapture();
    const em = await startEmulator({
      project: PROJECT,
      logger: pino({ level: "debug" }, logs),
      data: { datasets: [{ id: "d" }] },
    });
    const previous = process.env.BIGQUERY_EMULATOR_HOST;
    process.env.BIGQUERY_EMULATOR_HOST = em.url;
    try {
      const bq = new BigQuery({ projectId: PROJECT });
      const [rows] = await bq.query({ query: "SELECT @greeting AS g", params: { greeting: "hi" } });
      expect(rows).toEqual([{ g: "hi" }]);
      const [datasets] = await bq.getDatasets();
      expect(datasets.map((d) => d.id)).toEqual(["d"]);
      const urls = logs
        .records()
        .filter((r) => r.msg === "request")
        .map((r) => String(r.url));
      expect(urls.length).toBeGreaterThanOrEqual(2);
      for (const url of urls) expect(url.startsWith(`/projects/${PROJECT}/`)).toBe(true);
    } finally {
      if (previous === undefined) delete process.env.BIGQUERY_EMULATOR_HOST;
      else process.env.BIGQUERY_EMULATOR_HOST = previous;
      await em.close();
    }
  });
});
