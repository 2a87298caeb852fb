/**
 * Datasets and tables. DuckDB is the source of truth for what exists and which columns a table has
 * (so tables created or altered by SQL are seen like the others); this class keeps what DuckDB has
 * no place for: locations, descriptions, labels, timestamps, and the schema as the client sent it
 * (REQUIRED modes, descriptions), used while the table still has that shape.
 */
import { randomBytes } from "node:crypto";
import type { DuckDBConnection } from "@duckdb/node-api";
import { engineMessage, type Database } from "./database";
import { ApiError, duplicate, invalid, notFound } from "./errors";
import {
  duckType,
  normalizeTypeName,
  restTypeName,
  typeOfField,
  quoteIdent,
  type TableFieldSchema,
} from "./sql/bq-types";
import { toSqlLiteral } from "./sql/literals";
import {
  datasetLabel,
  datasetOfSchema,
  qualifiedTable,
  schemaName,
  tableLabel,
  type DatasetRef,
  type TableRef,
} from "./sql/naming";
import { SqlError } from "./sql/sql-error";
import { translate } from "./sql/translator";
import { columnCodec, encodeRow, type EncodeOptions, type WireRow } from "./wire";

export const DEFAULT_LOCATION = "US";

export interface DatasetMeta extends DatasetRef {
  location: string;
  creationTime: number;
  lastModifiedTime: number;
  description?: string;
  friendlyName?: string;
  labels?: Record<string, string>;
  /** Anonymous-result datasets (`_...`) are not listed unless `all=true`. */
  hidden: boolean;
}

interface TableMeta {
  creationTime: number;
  lastModifiedTime: number;
  description?: string;
  friendlyName?: string;
  labels?: Record<string, string>;
  /** The schema as created or last patched through the API. */
  schema?: TableFieldSchema[];
  viewQuery?: string;
  /** insertIds already streamed, for best-effort de-duplication. */
  insertIds: Set<string>;
}

export type TableKind = "TABLE" | "VIEW";

export interface TableInfo {
  ref: TableRef;
  kind: TableKind;
  fields: TableFieldSchema[];
  numRows: number;
  meta: TableMeta;
  location: string;
}

export interface CreateTableRequest {
  schema?: { fields?: TableFieldSchema[] };
  description?: string;
  friendlyName?: string;
  labels?: Record<string, string>;
  view?: { query?: string; useLegacySql?: boolean };
}

export interface InsertOptions {
  skipInvalidRows?: boolean;
  ignoreUnknownValues?: boolean;
}

export interface InsertRow {
  insertId?: string;
  json: Record<string, unknown>;
}

export interface InsertError {
  index: number;
  errors: Array<{ reason: string; location: string; debugInfo: string; message: string }>;
}

export interface ReadOptions {
  startIndex: number;
  maxResults: number;
  selectedFields?: string[];
  encode: EncodeOptions;
}

const DATASET_ID = /^[A-Za-z0-9_]{1,1024}$/;
const TABLE_ID = /^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]{1,1024}$/u;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,299}$/;
const INSERT_CHUNK = 500;

function key(ref: DatasetRef): string {
  return `${ref.projectId}:${ref.datasetId}`;
}

function tableKey(ref: TableRef): string {
  return `${ref.projectId}:${ref.datasetId}.${ref.tableId}`;
}

/** A schema as the API returns it: REST type names, explicit modes. */
export function normalizeFields(fields: TableFieldSchema[], where = "schema"): TableFieldSchema[] {
  const seen = new Set<string>();
  return fields.map((field, i) => {
    const at = `${where}.fields[${i}]`;
    if (typeof field !== "object" || field === null) throw invalid(`${at} must be an object`);
    if (typeof field.name !== "string" || !FIELD_NAME.test(field.name)) {
      throw invalid(
        `Invalid field name "${String(field.name)}". Fields must contain only letters, numbers, and underscores, start with a letter or underscore, and be at most 300 characters long.`,
      );
    }
    if (seen.has(field.name.toLowerCase())) throw invalid(`Duplicate field name ${field.name} in ${where}`);
    seen.add(field.name.toLowerCase());
    const name = normalizeTypeName(String(field.type ?? ""));
    if (!name || name === "ARRAY")
      throw invalid(
        `Invalid value for type: ${String(field.type)} is not a valid value (field ${field.name})`,
      );
    const mode = String(field.mode ?? "NULLABLE").toUpperCase();
    if (!["NULLABLE", "REQUIRED", "REPEATED"].includes(mode))
      throw invalid(`Invalid value for mode: ${field.mode} is not a valid value (field ${field.name})`);
    const out: TableFieldSchema = { name: field.name, type: restTypeName(name), mode };
    if (field.description !== undefined) out.description = field.description;
    if (name === "STRUCT") {
      if (!Array.isArray(field.fields) || field.fields.length === 0)
        throw invalid(`Field ${field.name} is type RECORD but has no schema`);
      out.fields = normalizeFields(field.fields, `${at}`);
    }
    return out;
  });
}

/** Whether two schemas describe the same columns, ignoring spelling, descriptions and REQUIRED. */
function sameShape(a: TableFieldSchema[], b: TableFieldSchema[]): boolean {
  const family = (t: string) => {
    const n = normalizeTypeName(t);
    return n === "BIGNUMERIC" ? "NUMERIC" : n === "GEOGRAPHY" ? "STRING" : n;
  };
  const repeated = (f: TableFieldSchema) => (f.mode ?? "").toUpperCase() === "REPEATED";
  return (
    a.length === b.length &&
    a.every((f, i) => {
      const g = b[i]!;
      return (
        f.name.toLowerCase() === g.name.toLowerCase() &&
        family(f.type) === family(g.type) &&
        repeated(f) === repeated(g) &&
        (family(f.type) !== "STRUCT" || sameShape(f.fields ?? [], g.fields ?? []))
      );
    })
  );
}

export class Catalog {
  readonly #datasets = new Map<string, DatasetMeta>();
  readonly #tables = new Map<string, TableMeta>();
  readonly #hidden = new Map<string, string>();

  constructor(private readonly db: Database) {}

  /** Registers the datasets a database file already holds. */
  async load(): Promise<void> {
    await this.db.run(async (conn) => {
      const reader = await conn.runAndReadAll(
        "SELECT schema_name FROM duckdb_schemas() WHERE database_name = current_database()",
      );
      for (const [schema] of reader.getRows()) {
        const ref = datasetOfSchema(String(schema));
        if (!ref || this.#datasets.has(key(ref))) continue;
        const now = Date.now();
        this.#datasets.set(key(ref), {
          ...ref,
          location: DEFAULT_LOCATION,
          creationTime: now,
          lastModifiedTime: now,
          hidden: ref.datasetId.startsWith("_"),
        });
      }
    });
  }

  projects(): string[] {
    return [...new Set([...this.#datasets.values()].map((d) => d.projectId))];
  }

  // ---- datasets -----------------------------------------------------------------------------

  getDataset(ref: DatasetRef): DatasetMeta | undefined {
    return this.#datasets.get(key(ref));
  }

  requireDataset(ref: DatasetRef): DatasetMeta {
    const dataset = this.getDataset(ref);
    if (!dataset) throw notFound(`Not found: Dataset ${datasetLabel(ref)}`);
    return dataset;
  }

  listDatasets(projectId: string, all: boolean): DatasetMeta[] {
    return [...this.#datasets.values()]
      .filter((d) => d.projectId === projectId && (all || !d.hidden))
      .sort((a, b) => a.datasetId.localeCompare(b.datasetId));
  }

  async createDataset(
    ref: DatasetRef,
    options: {
      location?: string;
      description?: string;
      friendlyName?: string;
      labels?: Record<string, string>;
    } = {},
  ): Promise<DatasetMeta> {
    return this.db.run((conn) => this.createDatasetWith(conn, ref, options));
  }

  async createDatasetWith(
    conn: DuckDBConnection,
    ref: DatasetRef,
    options: {
      location?: string;
      description?: string;
      friendlyName?: string;
      labels?: Record<string, string>;
      hidden?: boolean;
    } = {},
  ): Promise<DatasetMeta> {
    if (!DATASET_ID.test(ref.datasetId)) {
      throw invalid(
        `Invalid dataset ID "${ref.datasetId}". Dataset IDs must be alphanumeric (plus underscores) and must be at most 1024 characters long.`,
      );
    }
    if (this.#datasets.has(key(ref))) throw duplicate(`Already Exists: Dataset ${datasetLabel(ref)}`);
    await conn.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schemaName(ref.projectId, ref.datasetId))}`);
    const now = Date.now();
    const meta: DatasetMeta = {
      ...ref,
      location: options.location ?? DEFAULT_LOCATION,
      creationTime: now,
      lastModifiedTime: now,
      hidden: options.hidden ?? false,
    };
    if (options.description !== undefined) meta.description = options.description;
    if (options.friendlyName !== undefined) meta.friendlyName = options.friendlyName;
    if (options.labels !== undefined) meta.labels = options.labels;
    this.#datasets.set(key(ref), meta);
    return meta;
  }

  patchDataset(
    ref: DatasetRef,
    patch: { description?: string; friendlyName?: string; labels?: Record<string, string> },
  ): DatasetMeta {
    const dataset = this.requireDataset(ref);
    if (patch.description !== undefined) dataset.description = patch.description;
    if (patch.friendlyName !== undefined) dataset.friendlyName = patch.friendlyName;
    if (patch.labels !== undefined) dataset.labels = patch.labels;
    dataset.lastModifiedTime = Date.now();
    return dataset;
  }

  async deleteDataset(ref: DatasetRef, deleteContents: boolean): Promise<void> {
    await this.db.run((conn) => this.deleteDatasetWith(conn, ref, deleteContents));
  }

  async deleteDatasetWith(conn: DuckDBConnection, ref: DatasetRef, deleteContents: boolean): Promise<void> {
    this.requireDataset(ref);
    const tables = await this.listTablesWith(conn, ref);
    if (tables.length > 0 && !deleteContents)
      throw new ApiError("resourceInUse", `Dataset ${datasetLabel(ref)} is still in use`);
    await conn.run(`DROP SCHEMA IF EXISTS ${quoteIdent(schemaName(ref.projectId, ref.datasetId))} CASCADE`);
    this.#datasets.delete(key(ref));
    for (const k of [...this.#tables.keys()]) if (k.startsWith(`${key(ref)}.`)) this.#tables.delete(k);
  }

  /** The project's hidden dataset for anonymous query results, created on first use. */
  async hiddenDataset(conn: DuckDBConnection, projectId: string, location: string): Promise<DatasetRef> {
    const existing = this.#hidden.get(projectId);
    if (existing && this.#datasets.has(key({ projectId, datasetId: existing })))
      return { projectId, datasetId: existing };
    const datasetId = `_${randomBytes(20).toString("hex")}`;
    await this.createDatasetWith(conn, { projectId, datasetId }, { location, hidden: true });
    this.#hidden.set(projectId, datasetId);
    return { projectId, datasetId };
  }

  // ---- tables -------------------------------------------------------------------------------

  async tableKind(conn: DuckDBConnection, ref: TableRef): Promise<TableKind | undefined> {
    const reader = await conn.runAndReadAll(
      `SELECT 'TABLE' FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = $1 AND table_name = $2
       UNION ALL
       SELECT 'VIEW' FROM duckdb_views() WHERE database_name = current_database() AND schema_name = $1 AND view_name = $2 AND NOT internal`,
      [schemaName(ref.projectId, ref.datasetId), ref.tableId],
    );
    const rows = reader.getRows();
    return rows.length ? (String(rows[0]![0]) as TableKind) : undefined;
  }

  async listTables(
    ref: DatasetRef,
  ): Promise<Array<{ tableId: string; kind: TableKind; creationTime: number }>> {
    return this.db.run(async (conn) => {
      this.requireDataset(ref);
      return (await this.listTablesWith(conn, ref)).map((t) => ({
        ...t,
        creationTime: this.meta({ ...ref, tableId: t.tableId }).creationTime,
      }));
    });
  }

  private async listTablesWith(
    conn: DuckDBConnection,
    ref: DatasetRef,
  ): Promise<Array<{ tableId: string; kind: TableKind }>> {
    const reader = await conn.runAndReadAll(
      `SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = $1
       UNION ALL
       SELECT view_name, 'VIEW' FROM duckdb_views() WHERE database_name = current_database() AND schema_name = $1 AND NOT internal
       ORDER BY 1`,
      [schemaName(ref.projectId, ref.datasetId)],
    );
    return reader
      .getRows()
      .map(([name, kind]) => ({ tableId: String(name), kind: String(kind) as TableKind }));
  }

  /** Metadata of a table DuckDB has, created on first sight for tables made by SQL. */
  private meta(ref: TableRef): TableMeta {
    let meta = this.#tables.get(tableKey(ref));
    if (!meta) {
      const now = Date.now();
      meta = { creationTime: now, lastModifiedTime: now, insertIds: new Set() };
      this.#tables.set(tableKey(ref), meta);
    }
    return meta;
  }

  /** After SQL created or replaced a table: forget what described the old one. */
  tableCreated(ref: TableRef): void {
    const now = Date.now();
    this.#tables.set(tableKey(ref), { creationTime: now, lastModifiedTime: now, insertIds: new Set() });
  }

  tableModified(ref: TableRef): void {
    this.meta(ref).lastModifiedTime = Date.now();
  }

  tableDropped(ref: TableRef): void {
    this.#tables.delete(tableKey(ref));
  }

  datasetDropped(ref: DatasetRef): void {
    this.#datasets.delete(key(ref));
    for (const k of [...this.#tables.keys()]) if (k.startsWith(`${key(ref)}.`)) this.#tables.delete(k);
  }

  async describe(ref: TableRef): Promise<TableInfo> {
    return this.db.run((conn) => this.describeWith(conn, ref));
  }

  async describeWith(conn: DuckDBConnection, ref: TableRef): Promise<TableInfo> {
    const dataset = this.requireDataset(ref);
    const kind = await this.tableKind(conn, ref);
    if (!kind) throw notFound(`Not found: Table ${tableLabel(ref)}`);
    const reader = await conn.runAndReadAll(`SELECT * FROM ${qualifiedTable(ref)} LIMIT 0`);
    const types = reader.columnTypes();
    const derived = reader.columnNames().map((n, i) => columnCodec(n, types[i]!).field);
    const meta = this.meta(ref);
    const fields = meta.schema && sameShape(meta.schema, derived) ? meta.schema : derived;
    let numRows = 0;
    if (kind === "TABLE") {
      const count = await conn.runAndReadAll(`SELECT count(*) FROM ${qualifiedTable(ref)}`);
      numRows = Number(count.getRows()[0]![0]);
    }
    return { ref, kind, fields, numRows, meta, location: dataset.location };
  }

  async createTable(ref: TableRef, request: CreateTableRequest): Promise<TableInfo> {
    return this.db.run(async (conn) => {
      this.requireDataset(ref);
      if (!TABLE_ID.test(ref.tableId)) throw invalid(`Invalid table ID "${ref.tableId}".`);
      if (await this.tableKind(conn, ref)) throw duplicate(`Already Exists: Table ${tableLabel(ref)}`);
      if (request.view?.query !== undefined) {
        if (request.view.useLegacySql === true)
          throw invalid("Legacy SQL views are not supported by the emulator");
        const translation = this.translateOrInvalid(request.view.query, ref.projectId);
        if (translation.statementType !== "SELECT") throw invalid("A view query must be a SELECT statement");
        await this.requireTables(conn, translation.reads);
        await conn.run(`CREATE VIEW ${qualifiedTable(ref)} AS ${translation.sql}`).catch((e: unknown) => {
          throw invalid(engineMessage(e));
        });
        this.tableCreated(ref);
        Object.assign(this.meta(ref), this.describable(request), { viewQuery: request.view.query });
        return this.describeWith(conn, ref);
      }
      const fields = normalizeFields(request.schema?.fields ?? []);
      if (fields.length === 0)
        throw invalid(`The emulator needs a schema to create table ${tableLabel(ref)}`);
      const columns = fields.map(
        (f) => `${quoteIdent(f.name)} ${duckType(typeOfField(f))}${f.mode === "REQUIRED" ? " NOT NULL" : ""}`,
      );
      await conn.run(`CREATE TABLE ${qualifiedTable(ref)} (${columns.join(", ")})`);
      this.tableCreated(ref);
      Object.assign(this.meta(ref), this.describable(request), { schema: fields });
      return this.describeWith(conn, ref);
    });
  }

  private describable(request: {
    description?: string;
    friendlyName?: string;
    labels?: Record<string, string>;
  }): Partial<TableMeta> {
    const out: Partial<TableMeta> = {};
    if (request.description !== undefined) out.description = request.description;
    if (request.friendlyName !== undefined) out.friendlyName = request.friendlyName;
    if (request.labels !== undefined) out.labels = request.labels;
    return out;
  }

  private translateOrInvalid(query: string, projectId: string) {
    try {
      return translate(query, { projectId });
    } catch (error) {
      if (error instanceof SqlError) throw new ApiError("invalidQuery", error.message);
      throw error;
    }
  }

  /** Fails with notFound unless every table exists, as BigQuery does for a query's inputs. */
  async requireTables(conn: DuckDBConnection, refs: TableRef[]): Promise<void> {
    for (const ref of refs) {
      const dataset = this.getDataset(ref);
      if (!dataset)
        throw notFound(
          `Not found: Dataset ${datasetLabel(ref)} was not found in location ${DEFAULT_LOCATION}`,
        );
      if (!(await this.tableKind(conn, ref)))
        throw notFound(`Not found: Table ${tableLabel(ref)} was not found in location ${dataset.location}`);
    }
  }

  /** Metadata changes, and new columns appended at the end of the schema. */
  async patchTable(ref: TableRef, patch: CreateTableRequest): Promise<TableInfo> {
    return this.db.run(async (conn) => {
      const current = await this.describeWith(conn, ref);
      Object.assign(current.meta, this.describable(patch));
      if (patch.schema?.fields) {
        const wanted = normalizeFields(patch.schema.fields);
        const have = current.fields;
        const prefix = wanted.slice(0, have.length);
        if (wanted.length < have.length || !sameShape(prefix, have)) {
          throw invalid(
            `Provided Schema does not match Table ${tableLabel(ref)}. Only new NULLABLE or REPEATED fields can be added at the end.`,
          );
        }
        for (const field of wanted.slice(have.length)) {
          if (field.mode === "REQUIRED")
            throw invalid(`Cannot add required field ${field.name} to table ${tableLabel(ref)}`);
          await conn.run(
            `ALTER TABLE ${qualifiedTable(ref)} ADD COLUMN ${quoteIdent(field.name)} ${duckType(typeOfField(field))}`,
          );
        }
        current.meta.schema = wanted;
      }
      current.meta.lastModifiedTime = Date.now();
      return this.describeWith(conn, ref);
    });
  }

  async deleteTable(ref: TableRef): Promise<void> {
    await this.db.run(async (conn) => {
      this.requireDataset(ref);
      const kind = await this.tableKind(conn, ref);
      if (!kind) throw notFound(`Not found: Table ${tableLabel(ref)}`);
      await conn.run(`DROP ${kind} ${qualifiedTable(ref)}`);
      this.tableDropped(ref);
    });
  }

  // ---- rows ---------------------------------------------------------------------------------

  /** tabledata.insertAll: every row is checked first, so a bad row never leaves a partial insert. */
  async insertRows(ref: TableRef, rows: InsertRow[], options: InsertOptions = {}): Promise<InsertError[]> {
    return this.db.run((conn) => this.insertRowsWith(conn, ref, rows, options));
  }

  async insertRowsWith(
    conn: DuckDBConnection,
    ref: TableRef,
    rows: InsertRow[],
    options: InsertOptions = {},
  ): Promise<InsertError[]> {
    const table = await this.describeWith(conn, ref);
    if (table.kind !== "TABLE") throw invalid(`Cannot insert rows into view ${tableLabel(ref)}`);
    const fields = table.fields;
    const byName = new Map(fields.map((f) => [f.name.toLowerCase(), f]));
    const errors: InsertError[] = [];
    const good: Array<{ index: number; values: string; insertId?: string }> = [];
    rows.forEach((row, index) => {
      const json = row?.json;
      const problems: InsertError["errors"] = [];
      if (typeof json !== "object" || json === null || Array.isArray(json)) {
        problems.push({
          reason: "invalid",
          location: "",
          debugInfo: "",
          message: "A row must be a JSON object.",
        });
      } else {
        for (const k of Object.keys(json)) {
          if (!byName.has(k.toLowerCase()) && !options.ignoreUnknownValues) {
            problems.push({ reason: "invalid", location: k, debugInfo: "", message: `no such field: ${k}.` });
          }
        }
        const lower = new Map(Object.keys(json).map((k) => [k.toLowerCase(), k]));
        const literals: string[] = [];
        for (const field of fields) {
          const k = lower.get(field.name.toLowerCase());
          const value = k === undefined ? undefined : json[k];
          if ((value === null || value === undefined) && field.mode === "REQUIRED") {
            problems.push({
              reason: "invalid",
              location: field.name,
              debugInfo: "",
              message: `Missing required field: ${field.name}.`,
            });
            continue;
          }
          try {
            literals.push(
              toSqlLiteral(value, typeOfField(field), field.name, {
                ignoreUnknownValues: options.ignoreUnknownValues ?? false,
                nullArrayAsEmpty: true,
              }),
            );
          } catch (error) {
            if (!(error instanceof SqlError)) throw error;
            problems.push({ reason: "invalid", location: field.name, debugInfo: "", message: error.message });
          }
        }
        if (problems.length === 0)
          good.push({
            index,
            values: `(${literals.join(", ")})`,
            ...(row.insertId ? { insertId: row.insertId } : {}),
          });
      }
      if (problems.length) errors.push({ index, errors: problems });
    });
    if (errors.length && !options.skipInvalidRows) {
      // BigQuery inserts nothing and marks the valid rows as stopped.
      for (const g of good)
        errors.push({
          index: g.index,
          errors: [{ reason: "stopped", location: "", debugInfo: "", message: "" }],
        });
      return errors.sort((a, b) => a.index - b.index);
    }
    const seen = table.meta.insertIds;
    const fresh = good.filter((g) => !g.insertId || !seen.has(g.insertId));
    const columns = fields.map((f) => quoteIdent(f.name)).join(", ");
    for (let at = 0; at < fresh.length; at += INSERT_CHUNK) {
      const chunk = fresh.slice(at, at + INSERT_CHUNK);
      try {
        await conn.run(
          `INSERT INTO ${qualifiedTable(ref)} (${columns}) VALUES ${chunk.map((g) => g.values).join(", ")}`,
        );
      } catch (error) {
        throw invalid(engineMessage(error));
      }
    }
    for (const g of fresh) if (g.insertId) seen.add(g.insertId);
    if (fresh.length) table.meta.lastModifiedTime = Date.now();
    return errors;
  }

  /** A page of rows in the wire format, with the table's schema and row count. */
  async readRows(
    ref: TableRef,
    options: ReadOptions,
  ): Promise<{ fields: TableFieldSchema[]; totalRows: number; rows: WireRow[] }> {
    return this.db.run((conn) => this.readRowsWith(conn, ref, options));
  }

  async readRowsWith(
    conn: DuckDBConnection,
    ref: TableRef,
    options: ReadOptions,
  ): Promise<{ fields: TableFieldSchema[]; totalRows: number; rows: WireRow[] }> {
    const table = await this.describeWith(conn, ref);
    let fields = table.fields;
    if (options.selectedFields?.length) {
      fields = options.selectedFields.map((name) => {
        const field = table.fields.find((f) => f.name.toLowerCase() === name.trim().toLowerCase());
        if (!field) throw invalid(`Invalid selected field ${name}: no such field in ${tableLabel(ref)}`);
        return field;
      });
    }
    const count =
      table.kind === "TABLE"
        ? table.numRows
        : Number((await conn.runAndReadAll(`SELECT count(*) FROM ${qualifiedTable(ref)}`)).getRows()[0]![0]);
    const columns = fields.map((f) => quoteIdent(f.name)).join(", ");
    const reader = await conn.runAndReadAll(
      `SELECT ${columns} FROM ${qualifiedTable(ref)} LIMIT ${Math.max(0, options.maxResults)} OFFSET ${options.startIndex}`,
    );
    const types = reader.columnTypes();
    const codecs = reader.columnNames().map((n, i) => columnCodec(n, types[i]!));
    const rows = reader.getRows().map((values) => encodeRow(values, codecs, options.encode));
    return { fields, totalRows: count, rows };
  }
}
