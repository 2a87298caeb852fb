import { client, http, PROJECT, useEmulator } from "./support";

const emulator = useEmulator({ jobDelayMs: 0 });

describe("datasets", () => {
  test("create, get, list, patch and delete", async () => {
    const bq = client(emulator(), { autoRetry: false });
    const [dataset, created] = await bq.createDataset("sales", { location: "EU", description: "money" });
    expect(created).toMatchObject({
      kind: "bigquery#dataset",
      id: `${PROJECT}:sales`,
      datasetReference: { projectId: PROJECT, datasetId: "sales" },
      location: "EU",
      description: "money",
    });
    const [metadata] = await dataset.getMetadata();
    expect(metadata.location).toBe("EU");
    expect(metadata.creationTime).toMatch(/^\d+$/);
    expect((await dataset.exists())[0]).toBe(true);
    await dataset.setMetadata({ description: "more money" });
    expect((await dataset.getMetadata())[0].description).toBe("more money");

    await bq.createDataset("archive");
    const [datasets] = await bq.getDatasets();
    expect(datasets.map((d) => d.id)).toEqual(["archive", "sales"]);

    await dataset.delete();
    expect((await dataset.exists())[0]).toBe(false);
    await bq.dataset("archive").delete();
  });

  test("404 for a missing dataset, 409 for an existing one, 400 for a bad id", async () => {
    const bq = client(emulator(), { autoRetry: false });
    await expect(bq.dataset("ghost").getMetadata()).rejects.toMatchObject({
      code: 404,
      message: `Not found: Dataset ${PROJECT}:ghost`,
    });
    await expect(bq.dataset("ghost").delete()).rejects.toMatchObject({ code: 404 });
    await bq.createDataset("twice");
    await expect(bq.createDataset("twice")).rejects.toMatchObject({
      code: 409,
      message: `Already Exists: Dataset ${PROJECT}:twice`,
    });
    await expect(bq.createDataset("bad-name")).rejects.toMatchObject({
      code: 400,
      message: expect.stringContaining('Invalid dataset ID "bad-name"'),
    });
  });

  test("deleting a dataset with tables needs deleteContents", async () => {
    const bq = client(emulator(), { autoRetry: false });
    const [dataset] = await bq.createDataset("full");
    await dataset.createTable("t", { schema: "x:INTEGER" });
    await expect(dataset.delete()).rejects.toMatchObject({
      code: 400,
      message: `Dataset ${PROJECT}:full is still in use`,
    });
    await dataset.delete({ force: true });
    expect((await dataset.exists())[0]).toBe(false);
  });
});

describe("tables", () => {
  test("create with a schema, get, list, patch new columns, delete", async () => {
    const bq = client(emulator(), { autoRetry: false });
    const [dataset] = await bq.createDataset("crud");
    const [table, created] = await dataset.createTable("people", {
      description: "who",
      schema: {
        fields: [
          { name: "id", type: "INT64", mode: "REQUIRED", description: "key" },
          { name: "name", type: "STRING" },
          { name: "scores", type: "FLOAT64", mode: "REPEATED" },
          {
            name: "home",
            type: "STRUCT",
            fields: [
              { name: "city", type: "STRING" },
              { name: "since", type: "DATE" },
            ],
          },
          { name: "seen", type: "TIMESTAMP" },
        ],
      },
    });
    expect(created).toMatchObject({
      kind: "bigquery#table",
      id: `${PROJECT}:crud.people`,
      tableReference: { projectId: PROJECT, datasetId: "crud", tableId: "people" },
      type: "TABLE",
      numRows: "0",
      description: "who",
    });
    expect(created.schema!.fields).toEqual([
      { name: "id", type: "INTEGER", mode: "REQUIRED", description: "key" },
      { name: "name", type: "STRING", mode: "NULLABLE" },
      { name: "scores", type: "FLOAT", mode: "REPEATED" },
      {
        name: "home",
        type: "RECORD",
        mode: "NULLABLE",
        fields: [
          { name: "city", type: "STRING", mode: "NULLABLE" },
          { name: "since", type: "DATE", mode: "NULLABLE" },
        ],
      },
      { name: "seen", type: "TIMESTAMP", mode: "NULLABLE" },
    ]);
    await dataset.createTable("other", { schema: "a:STRING" });
    const [tables] = await dataset.getTables();
    expect(tables.map((t) => t.id)).toEqual(["other", "people"]);

    await table.setMetadata({
      schema: { fields: [...created.schema!.fields!, { name: "nickname", type: "STRING" }] },
    });
    const [patched] = await table.getMetadata();
    expect(patched.schema.fields.map((f: any) => f.name)).toEqual([
      "id",
      "name",
      "scores",
      "home",
      "seen",
      "nickname",
    ]);
    expect(patched.schema.fields[0].description).toBe("key");

    await table.delete();
    expect((await table.exists())[0]).toBe(false);
  });

  test("404 and 409 for tables, 400 for a bad schema", async () => {
    const bq = client(emulator(), { autoRetry: false });
    const [dataset] = await bq.createDataset("errs");
    await expect(dataset.table("nope").getMetadata()).rejects.toMatchObject({
      code: 404,
      message: `Not found: Table ${PROJECT}:errs.nope`,
    });
    await expect(dataset.table("nope").delete()).rejects.toMatchObject({ code: 404 });
    await expect(bq.dataset("no_dataset").createTable("t", { schema: "a:STRING" })).rejects.toMatchObject({
      code: 404,
      message: `Not found: Dataset ${PROJECT}:no_dataset`,
    });
    await dataset.createTable("t", { schema: "a:STRING" });
    await expect(dataset.createTable("t", { schema: "a:STRING" })).rejects.toMatchObject({
      code: 409,
      message: `Already Exists: Table ${PROJECT}:errs.t`,
    });
    await expect(
      dataset.createTable("bad", { schema: { fields: [{ name: "a", type: "WIDGET" }] } }),
    ).rejects.toMatchObject({
      code: 400,
      message: expect.stringContaining("WIDGET is not a valid value"),
    });
    await expect(
      dataset.createTable("bad", { schema: { fields: [{ name: "1st", type: "STRING" }] } }),
    ).rejects.toMatchObject({
      code: 400,
      message: expect.stringContaining('Invalid field name "1st"'),
    });
  });

  test("views created through the API are queryable and listed as VIEW", async () => {
    const bq = client(emulator(), { autoRetry: false });
    const [dataset] = await bq.createDataset("views");
    await bq.query("CREATE TABLE views.base AS SELECT x FROM UNNEST([1, 2, 3]) AS x");
    await dataset.createTable("odd", {
      view: { query: "SELECT x FROM views.base WHERE MOD(x, 2) = 1", useLegacySql: false },
    });
    const [metadata] = await dataset.table("odd").getMetadata();
    expect(metadata).toMatchObject({
      type: "VIEW",
      view: { query: "SELECT x FROM views.base WHERE MOD(x, 2) = 1" },
    });
    const [rows] = await bq.query("SELECT x FROM views.odd ORDER BY x");
    expect(rows).toEqual([{ x: 1 }, { x: 3 }]);
  });
});

describe("tabledata.insertAll", () => {
  test("rows streamed in are queryable, typed from the schema", async () => {
    const bq = client(emulator(), { autoRetry: false });
    const [dataset] = await bq.createDataset("stream");
    const [table] = await dataset.createTable("events", {
      schema: {
        fields: [
          { name: "id", type: "INTEGER" },
          { name: "kind", type: "STRING" },
          { name: "at", type: "TIMESTAMP" },
          { name: "day", type: "DATE" },
          { name: "payload", type: "BYTES" },
          { name: "tags", type: "STRING", mode: "REPEATED" },
          {
            name: "meta",
            type: "RECORD",
            fields: [
              { name: "ok", type: "BOOLEAN" },
              { name: "score", type: "FLOAT" },
            ],
          },
        ],
      },
    });
    await table.insert([
      {
        id: 1,
        kind: "click",
        at: new Date("2024-06-01T12:00:00Z"),
        day: bq.date("2024-06-01"),
        payload: Buffer.from("p1"),
        tags: ["a", "b"],
        meta: { ok: true, score: 0.5 },
      },
      {
        id: 2,
        kind: "view",
        at: "2024-06-02 08:30:00 UTC",
        day: "2024-06-02",
        payload: null,
        tags: [],
        meta: null,
      },
      { id: "3", kind: "click", at: 1717400000.25, day: "2024-06-03" },
    ]);
    const [rows] = await bq.query(
      "SELECT id, kind, `at`, day, payload, tags, meta FROM stream.events ORDER BY id",
    );
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(new Date(rows[0].at.value).toISOString()).toBe("2024-06-01T12:00:00.000Z");
    expect(new Date(rows[1].at.value).toISOString()).toBe("2024-06-02T08:30:00.000Z");
    expect(new Date(rows[2].at.value).toISOString()).toBe("2024-06-03T07:33:20.250Z");
    expect(rows[0].day.value).toBe("2024-06-01");
    expect(Buffer.from(rows[0].payload).toString()).toBe("p1");
    expect(rows[0].tags).toEqual(["a", "b"]);
    expect(rows[2].tags).toEqual([]);
    expect(rows[0].meta).toEqual({ ok: true, score: 0.5 });
    const [counts] = await bq.query(
      "SELECT kind, COUNT(*) AS n FROM stream.events GROUP BY kind ORDER BY kind",
    );
    expect(counts).toEqual([
      { kind: "click", n: 2 },
      { kind: "view", n: 1 },
    ]);
    const [metadata] = await table.getMetadata();
    expect(metadata.numRows).toBe("3");
  });

  test("bad rows are reported per row and nothing is inserted, unless skipInvalidRows", async () => {
    const bq = client(emulator(), { autoRetry: false });
    const [dataset] = await bq.createDataset("strict");
    const [table] = await dataset.createTable("t", {
      schema: {
        fields: [
          { name: "n", type: "INT64", mode: "REQUIRED" },
          { name: "s", type: "STRING" },
        ],
      },
    });
    const error: any = await table
      .insert([{ n: 1 }, { n: "one" }, { s: "no n" }, { n: 4, extra: true }])
      .catch((e: unknown) => e);
    expect(error.name).toBe("PartialFailureError");
    const byRow = Object.fromEntries(
      error.errors.map((e: any) => [e.row.n ?? e.row.s, e.errors.map((x: any) => x.reason)]),
    );
    expect(byRow).toEqual({ 1: ["stopped"], one: ["invalid"], "no n": ["invalid"], 4: ["invalid"] });
    expect(error.errors.find((e: any) => e.row.n === "one").errors[0].message).toMatch(
      /Cannot convert value "one" to integer/,
    );
    expect((await table.getRows())[0]).toEqual([]);

    await table.insert([{ n: 1 }, { n: "bad" }], { skipInvalidRows: true }).catch(() => undefined);
    await table.insert([{ n: 2, extra: "ignored" }], { ignoreUnknownValues: true });
    const [rows] = await bq.query("SELECT n FROM strict.t ORDER BY n");
    expect(rows).toEqual([{ n: 1 }, { n: 2 }]);
  });

  test("a repeated insertId is not inserted twice", async () => {
    const bq = client(emulator(), { autoRetry: false });
    const [dataset] = await bq.createDataset("dedupe");
    const [table] = await dataset.createTable("t", { schema: "n:INTEGER" });
    await table.insert([{ insertId: "row-1", json: { n: 1 } }], { raw: true });
    await table.insert(
      [
        { insertId: "row-1", json: { n: 1 } },
        { insertId: "row-2", json: { n: 2 } },
      ],
      { raw: true },
    );
    expect((await table.getRows())[0]).toEqual([{ n: 1 }, { n: 2 }]);
  });

  test("tabledata.list with selectedFields and startIndex", async () => {
    const bq = client(emulator());
    await bq.query(
      "CREATE TABLE dedupe.wide AS SELECT x AS a, x * 10 AS b FROM UNNEST(GENERATE_ARRAY(1, 5)) AS x ORDER BY x",
    );
    const res = await http(
      emulator(),
      "GET",
      `/bigquery/v2/projects/${PROJECT}/datasets/dedupe/tables/wide/data?selectedFields=b&startIndex=3`,
    );
    expect(res.json).toMatchObject({ totalRows: "5", rows: [{ f: [{ v: "40" }] }, { f: [{ v: "50" }] }] });
  });
});

describe("SQL DDL keeps the catalog in step", () => {
  test("CREATE SCHEMA, CREATE TABLE, ALTER TABLE, DROP TABLE and DROP SCHEMA through queries", async () => {
    const bq = client(emulator(), { autoRetry: false });
    await bq.query("CREATE SCHEMA ddl");
    await bq.query(
      "CREATE TABLE ddl.t (id INT64 NOT NULL, tags ARRAY<STRING>, home STRUCT<city STRING, zip STRING>)",
    );
    let [metadata] = await bq.dataset("ddl").table("t").getMetadata();
    expect(metadata.schema.fields).toEqual([
      { name: "id", type: "INTEGER", mode: "NULLABLE" },
      { name: "tags", type: "STRING", mode: "REPEATED" },
      {
        name: "home",
        type: "RECORD",
        mode: "NULLABLE",
        fields: [
          { name: "city", type: "STRING", mode: "NULLABLE" },
          { name: "zip", type: "STRING", mode: "NULLABLE" },
        ],
      },
    ]);
    await bq.query("ALTER TABLE ddl.t ADD COLUMN seen TIMESTAMP");
    [metadata] = await bq.dataset("ddl").table("t").getMetadata();
    expect(metadata.schema.fields.map((f: any) => `${f.name}:${f.type}`)).toEqual([
      "id:INTEGER",
      "tags:STRING",
      "home:RECORD",
      "seen:TIMESTAMP",
    ]);
    await expect(bq.query("CREATE TABLE ddl.t (x INT64)")).rejects.toMatchObject({
      code: 409,
      message: `Already Exists: Table ${PROJECT}:ddl.t`,
    });
    await expect(bq.query("DROP SCHEMA ddl")).rejects.toMatchObject({
      code: 400,
      message: expect.stringContaining("not empty"),
    });
    await bq.query("DROP TABLE ddl.t");
    expect((await bq.dataset("ddl").table("t").exists())[0]).toBe(false);
    await bq.query("DROP SCHEMA ddl");
    expect((await bq.dataset("ddl").exists())[0]).toBe(false);
  });
});
