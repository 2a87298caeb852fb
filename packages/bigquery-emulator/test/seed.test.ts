import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { SeedError, startEmulator, type RunningEmulator } from "../src/index";
import { client, PROJECT } from "./support";

const SAMPLE = path.join(__dirname, "../data/sample.yaml");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "bq-emulator-seed-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function withEmulator<T>(
  options: Parameters<typeof startEmulator>[0],
  work: (em: RunningEmulator) => Promise<T>,
): Promise<T> {
  const em = await startEmulator({ project: PROJECT, jobDelayMs: 0, ...options });
  try {
    return await work(em);
  } finally {
    await em.close();
  }
}

async function seedFailure(data: unknown): Promise<string> {
  const error = await startEmulator({ project: PROJECT, data: data as never }).then(
    async (em) => {
      await em.close();
      throw new Error("expected the seed to be rejected");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SeedError);
  return (error as Error).message;
}

describe("seed data", () => {
  test("the shipped sample file loads: samples.users, samples.trips and a view", async () => {
    await withEmulator({ data: SAMPLE }, async (em) => {
      const bq = client(em);
      const [tables] = await bq.dataset("samples").getTables();
      expect(tables.map((t) => [t.id, t.metadata.type])).toEqual([
        ["trips", "TABLE"],
        ["trips_by_zone", "VIEW"],
        ["users", "TABLE"],
      ]);
      const [users] = await bq.dataset("samples").table("users").getMetadata();
      expect(users.numRows).toBe("4");
      expect(users.schema.fields[0]).toEqual({ name: "user_id", type: "INTEGER", mode: "REQUIRED" });
      const [rows] = await bq.query(`
        SELECT u.name, COUNT(*) AS trips, SUM(t.fare) AS spent
        FROM samples.trips t JOIN samples.users u ON u.user_id = t.user_id
        GROUP BY u.name ORDER BY u.name`);
      expect(rows.map((r) => [r.name, r.trips, r.spent.toString()])).toEqual([
        ["Ada Lovelace", 2, "83.5"],
        ["Alan Turing", 1, "21"],
        ["Grace Hopper", 2, "16.25"],
        ["Katherine Johnson", 1, "17.25"],
      ]);
      const [zones] = await bq.query("SELECT zone, trips FROM samples.trips_by_zone WHERE zone = 'Midtown'");
      expect(zones).toEqual([{ zone: "Midtown", trips: 2 }]);
    });
  });

  test("a JSON file with several projects", async () => {
    const file = path.join(dir, "seed.json");
    await writeFile(
      file,
      JSON.stringify({
        projects: [
          {
            id: "alpha",
            datasets: [
              {
                id: "a",
                location: "EU",
                tables: [
                  {
                    id: "t",
                    schema: { fields: [{ name: "x", type: "INTEGER" }] },
                    rows: [{ x: 1 }, { x: 2 }],
                  },
                ],
              },
            ],
          },
          { id: "beta", datasets: [{ id: "b" }] },
        ],
      }),
    );
    await withEmulator({ data: file }, async (em) => {
      const alpha = client(em, { projectId: "alpha" });
      const [metadata] = await alpha.dataset("a").getMetadata();
      expect(metadata.location).toBe("EU");
      const [rows] = await alpha.query({ query: "SELECT SUM(x) AS s FROM `alpha.a.t`", location: "EU" });
      expect(rows).toEqual([{ s: 3 }]);
      const [datasets] = await client(em, { projectId: "beta" }).getDatasets();
      expect(datasets.map((d) => d.id)).toEqual(["b"]);
    });
  });

  test("structural problems are reported with the path of each one", async () => {
    const message = await seedFailure({
      datasets: [{ id: "d", tables: [{ id: "t", schema: { fields: [{ name: "x" }] }, colums: [] }] }],
      projects: [{ datasets: [] }],
    });
    expect(message).toMatch(/^Invalid seed data:/);
    expect(message).toContain("datasets[0].tables[0].schema.fields[0].type:");
    expect(message).toContain('datasets[0].tables[0]: Unrecognized key: "colums"');
    expect(message).toContain("projects[0].id:");
  });

  test("a bad type or a bad row value names the table, row and column", async () => {
    expect(
      await seedFailure({
        datasets: [{ id: "d", tables: [{ id: "t", schema: { fields: [{ name: "x", type: "WIDGET" }] } }] }],
      }),
    ).toMatch(/datasets\[0\]\.tables\[0\]: Invalid value for type: WIDGET is not a valid value/);
    const message = await seedFailure({
      datasets: [
        {
          id: "d",
          tables: [
            {
              id: "t",
              schema: {
                fields: [
                  { name: "n", type: "INT64" },
                  { name: "day", type: "DATE" },
                ],
              },
              rows: [
                { n: 1, day: "2024-01-01" },
                { n: "x", day: "2024-13-01" },
              ],
            },
          ],
        },
      ],
    });
    expect(message).toContain('datasets[0].tables[0].rows[1].n: Cannot convert value "x" to integer.');
    expect(message).toContain('datasets[0].tables[0].rows[1].day: Invalid date: "2024-13-01"');
  });

  test("an unreadable or unparsable file names the file", async () => {
    const missing = path.join(dir, "missing.yaml");
    await expect(startEmulator({ data: missing })).rejects.toThrow(`Cannot read seed file ${missing}`);
    const broken = path.join(dir, "broken.yaml");
    await writeFile(broken, "datasets:\n  - id: [unclosed\n");
    await expect(startEmulator({ data: broken })).rejects.toThrow(`Cannot parse seed file ${broken}`);
  });

  test("a database file keeps data across restarts, and re-seeding does not duplicate rows", async () => {
    const database = path.join(dir, "emulator.duckdb");
    const data = {
      datasets: [
        {
          id: "kept",
          tables: [{ id: "t", schema: { fields: [{ name: "x", type: "INT64" }] }, rows: [{ x: 1 }] }],
        },
      ],
    };
    await withEmulator({ database, data }, async (em) => {
      await client(em)
        .dataset("kept")
        .table("t")
        .insert([{ x: 2 }]);
      await client(em).query("CREATE TABLE kept.made_by_sql AS SELECT 'hello' AS greeting");
    });
    await withEmulator({ database, data }, async (em) => {
      const bq = client(em);
      const [rows] = await bq.query("SELECT x FROM kept.t ORDER BY x");
      expect(rows).toEqual([{ x: 1 }, { x: 2 }]);
      expect((await bq.query("SELECT greeting FROM kept.made_by_sql"))[0]).toEqual([{ greeting: "hello" }]);
      const [datasets] = await bq.getDatasets();
      expect(datasets.map((d) => d.id)).toEqual(["kept"]);
    });
  });
});
