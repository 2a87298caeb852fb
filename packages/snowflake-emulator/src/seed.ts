/**
 * Seed data from YAML: databases, schemas and tables with Snowflake column types and rows.
 *
 * ```yaml
 * databases:
 *   - name: SAMPLES
 *     schemas:
 *       - name: PUBLIC
 *         tables:
 *           - name: USERS
 *             columns: { USER_ID: NUMBER, NAME: VARCHAR, SIGNUP_DATE: DATE, IS_ACTIVE: BOOLEAN }
 *             rows:
 *               - { USER_ID: 1, NAME: Ada Lovelace, SIGNUP_DATE: "2024-01-15", IS_ACTIVE: true }
 * ```
 */
import { readFile } from "node:fs/promises";
import type { DuckDBConnection } from "@duckdb/node-api";
import { parse } from "yaml";
import { quoteIdent } from "./sql";

export interface SeedTable {
  name: string;
  /** Column name → Snowflake type (NUMBER, NUMBER(10,2), VARCHAR, FLOAT, BOOLEAN, DATE, TIME, TIMESTAMP_NTZ, ...). */
  columns: Record<string, string>;
  rows?: Array<Record<string, unknown>>;
}
export interface SeedSchema {
  name: string;
  tables?: SeedTable[];
}
export interface SeedDatabase {
  name: string;
  schemas?: SeedSchema[];
}
export interface SeedData {
  databases: SeedDatabase[];
}

export class SeedError extends Error {}

/** The DuckDB type for a Snowflake column type; throws for one the emulator cannot hold. */
export function duckTypeOf(snowflakeType: string): string {
  const t = snowflakeType.trim().toUpperCase();
  const numeric = /^(NUMBER|NUMERIC|DECIMAL)\s*(\(\s*(\d+)\s*(,\s*(\d+)\s*)?\))?$/.exec(t);
  if (numeric) {
    const scale = Number(numeric[5] ?? 0);
    return scale === 0 ? "BIGINT" : `DECIMAL(${Math.min(38, Number(numeric[3] ?? 38))},${scale})`;
  }
  if (/^(INT|INTEGER|BIGINT|SMALLINT|TINYINT|BYTEINT)$/.test(t)) return "BIGINT";
  if (/^(FLOAT|FLOAT4|FLOAT8|DOUBLE|DOUBLE PRECISION|REAL)$/.test(t)) return "DOUBLE";
  if (/^(VARCHAR|STRING|TEXT|CHAR|CHARACTER|NCHAR|NVARCHAR)\b/.test(t)) return "VARCHAR";
  if (t === "BOOLEAN") return "BOOLEAN";
  if (t === "DATE") return "DATE";
  if (/^TIME(\(\d\))?$/.test(t)) return "TIME";
  if (/^(TIMESTAMP|TIMESTAMP_NTZ|DATETIME)(\(\d\))?$/.test(t)) return "TIMESTAMP";
  if (/^(TIMESTAMP_LTZ|TIMESTAMP_TZ)(\(\d\))?$/.test(t)) return "TIMESTAMPTZ";
  if (/^(BINARY|VARBINARY)\b/.test(t)) return "BLOB";
  if (/^(VARIANT|OBJECT|ARRAY)$/.test(t)) return "JSON";
  throw new SeedError(`unsupported column type ${JSON.stringify(snowflakeType)}`);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Checks the shape of seed data; errors name the path of the bad field. */
export function validateSeed(data: unknown, source = "seed data"): SeedData {
  const fail = (path: string, what: string): never => {
    throw new SeedError(`${source}: ${path} ${what}`);
  };
  if (!isObject(data) || !Array.isArray(data.databases)) return fail("databases", "must be a list");
  data.databases.forEach((db: unknown, i) => {
    if (!isObject(db) || typeof db.name !== "string" || !db.name)
      fail(`databases[${i}].name`, "must be a non-empty string");
    const schemas = (db as Record<string, unknown>).schemas ?? [];
    if (!Array.isArray(schemas)) fail(`databases[${i}].schemas`, "must be a list");
    (schemas as unknown[]).forEach((schema, j) => {
      const at = `databases[${i}].schemas[${j}]`;
      if (!isObject(schema) || typeof schema.name !== "string" || !schema.name)
        fail(`${at}.name`, "must be a non-empty string");
      const tables = (schema as Record<string, unknown>).tables ?? [];
      if (!Array.isArray(tables)) fail(`${at}.tables`, "must be a list");
      (tables as unknown[]).forEach((table, k) => {
        const tat = `${at}.tables[${k}]`;
        if (!isObject(table) || typeof table.name !== "string" || !table.name)
          fail(`${tat}.name`, "must be a non-empty string");
        const t = table as Record<string, unknown>;
        if (!isObject(t.columns) || Object.keys(t.columns).length === 0)
          fail(`${tat}.columns`, "must map column names to types");
        for (const [column, type] of Object.entries(t.columns as object)) {
          if (typeof type !== "string") fail(`${tat}.columns.${column}`, "must be a type name");
          try {
            duckTypeOf(type as string);
          } catch (error) {
            fail(`${tat}.columns.${column}`, (error as Error).message);
          }
        }
        if (t.rows !== undefined && (!Array.isArray(t.rows) || !t.rows.every(isObject))) {
          fail(`${tat}.rows`, "must be a list of objects keyed by column");
        }
        for (const [r, row] of ((t.rows as Array<Record<string, unknown>>) ?? []).entries()) {
          for (const key of Object.keys(row)) {
            if (!(key in (t.columns as object)))
              fail(`${tat}.rows[${r}].${key}`, "is not a column of the table");
          }
        }
      });
    });
  });
  return data as unknown as SeedData;
}

export async function loadSeedFile(path: string): Promise<SeedData> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new SeedError(`cannot read seed data ${path}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new SeedError(`${path} is not YAML: ${(error as Error).message}`);
  }
  return validateSeed(data, path);
}

/** Creates a database (a DuckDB catalog) and schema if missing. */
export async function ensureSchema(conn: DuckDBConnection, database: string, schema: string): Promise<void> {
  const exists = await conn.runAndReadAll(
    "SELECT count(*) FROM duckdb_databases() WHERE database_name = $1",
    [database.toUpperCase()],
  );
  if (Number(exists.getRows()[0]![0]) === 0)
    await conn.run(`ATTACH ':memory:' AS ${quoteIdent(database.toUpperCase())}`);
  await conn.run(
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(database.toUpperCase())}.${quoteIdent(schema.toUpperCase())}`,
  );
}

/** Creates the seed's databases, schemas and tables (replacing tables of the same name) and inserts its rows. */
export async function applySeed(conn: DuckDBConnection, seed: SeedData): Promise<void> {
  for (const db of seed.databases) {
    for (const schema of db.schemas ?? []) {
      await ensureSchema(conn, db.name, schema.name);
      for (const table of schema.tables ?? []) {
        const name = [db.name, schema.name, table.name].map((n) => quoteIdent(n.toUpperCase())).join(".");
        const columns = Object.entries(table.columns).map(
          ([c, t]) => [c.toUpperCase(), duckTypeOf(t)] as const,
        );
        await conn.run(
          `CREATE OR REPLACE TABLE ${name} (${columns.map(([c, t]) => `${quoteIdent(c)} ${t}`).join(", ")})`,
        );
        const insert = `INSERT INTO ${name} VALUES (${columns.map(([, t], i) => `CAST($${i + 1} AS ${t})`).join(", ")})`;
        for (const row of table.rows ?? []) {
          const upper = Object.fromEntries(Object.entries(row).map(([k, v]) => [k.toUpperCase(), v]));
          const values = columns.map(([c]) => {
            const v = upper[c];
            if (v === null || v === undefined) return null;
            return typeof v === "object" ? JSON.stringify(v) : String(v);
          });
          await conn.run(insert, values);
        }
      }
    }
  }
}
