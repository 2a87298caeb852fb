/**
 * Snowflake SQL on DuckDB: `?` bindings in the SQL API's typed form, DuckDB results as the SQL API's
 * `rowType` and string cells, DuckDB errors as Snowflake error codes. The SQL itself goes to DuckDB as
 * written: Snowflake's common subset (SELECT, joins, CTEs, INSERT, CREATE TABLE, UPDATE, DELETE, most
 * scalar functions) is DuckDB's too. What is not (e.g. `SYSTEM$` functions, `VARIANT` paths `a:b`,
 * `QUALIFY` corner cases, `FLATTEN`) fails with DuckDB's message under a Snowflake error code.
 */
import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimeValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  type DuckDBType,
  type DuckDBValue,
} from "@duckdb/node-api";

/** A bind variable as the SQL API takes it: `{"1": {"type": "FIXED", "value": "42"}}`. */
export interface Binding {
  type: string;
  value: string | null;
}

/** The DuckDB type each SQL API binding type is cast to. */
export const BINDING_TYPES: Readonly<Record<string, string>> = {
  FIXED: "DECIMAL(38,0)",
  REAL: "DOUBLE",
  TEXT: "VARCHAR",
  BOOLEAN: "BOOLEAN",
  DATE: "DATE",
  TIME: "TIME",
  TIMESTAMP_NTZ: "TIMESTAMP",
  TIMESTAMP_LTZ: "TIMESTAMPTZ",
  TIMESTAMP_TZ: "TIMESTAMPTZ",
  BINARY: "BLOB",
};

/** A Snowflake error as the SQL API reports it (HTTP 422). */
export class SnowflakeSqlError extends Error {
  constructor(
    readonly code: string,
    readonly sqlState: string,
    message: string,
  ) {
    super(message);
  }
}

/** Offsets of `?` placeholders outside string literals, quoted identifiers and comments. */
export function placeholderOffsets(sql: string): number[] {
  const found: number[] = [];
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      i = end < 0 ? sql.length : end;
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === "?") {
      found.push(i);
    }
  }
  return found;
}

/**
 * The SQL with its `?` placeholders as DuckDB parameters cast to the binding's type, and the values
 * (all strings, as the SQL API sends them). Throws Snowflake's errors for a count or type mismatch.
 */
export function bindStatement(
  sql: string,
  bindings: Record<string, Binding> | undefined,
): { sql: string; values: Array<string | null> } {
  const offsets = placeholderOffsets(sql);
  const given = bindings ? Object.keys(bindings).length : 0;
  if (offsets.length !== given) {
    throw new SnowflakeSqlError(
      "002049",
      "42601",
      `SQL compilation error: Bind variable count mismatch: the statement has ${offsets.length}, the request binds ${given}.`,
    );
  }
  const values: Array<string | null> = [];
  let out = "";
  let from = 0;
  offsets.forEach((offset, index) => {
    const binding = bindings?.[String(index + 1)];
    if (!binding || typeof binding !== "object") {
      throw new SnowflakeSqlError(
        "002049",
        "42601",
        `SQL compilation error: Bind variable ${index + 1} not set.`,
      );
    }
    const cast = BINDING_TYPES[String(binding.type).toUpperCase()];
    if (!cast) {
      throw new SnowflakeSqlError(
        "002014",
        "22000",
        `SQL compilation error: Unsupported bind variable type ${JSON.stringify(binding.type)} for bind variable ${index + 1}.`,
      );
    }
    if (binding.value !== null && typeof binding.value !== "string") {
      throw new SnowflakeSqlError(
        "002014",
        "22000",
        `Bind variable ${index + 1}: the value must be a string or null.`,
      );
    }
    // FIXED with a fraction: keep the digits (DECIMAL(38,0) would round them away).
    const type =
      cast === "DECIMAL(38,0)" && binding.value?.includes(".")
        ? `DECIMAL(38,${Math.min(37, binding.value.split(".")[1]!.length)})`
        : cast;
    // TEXT stays an untyped parameter: DuckDB then types it from where it is used (a DATE column, ...),
    // as Snowflake casts text implicitly; the other types are cast to what the binding says.
    out += `${sql.slice(from, offset)}${cast === "VARCHAR" ? `$${index + 1}` : `CAST($${index + 1} AS ${type})`}`;
    from = offset + 1;
    values.push(binding.value);
  });
  return { sql: out + sql.slice(from), values };
}

/** A column of the SQL API's `resultSetMetaData.rowType`. */
export interface RowType {
  name: string;
  database: string;
  schema: string;
  table: string;
  type: string;
  nullable: boolean;
  precision: number | null;
  scale: number | null;
  length: number | null;
  byteLength: number | null;
  collation: string | null;
}

const INTEGERS = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
]);

/** The SQL API's column type for a DuckDB type. */
export function rowTypeOf(
  name: string,
  type: DuckDBType,
  where: { database: string; schema: string },
): RowType {
  const base = {
    name,
    database: where.database,
    schema: where.schema,
    table: "",
    nullable: true,
    collation: null,
  };
  const none = { precision: null, scale: null, length: null, byteLength: null };
  if (INTEGERS.has(type.typeId)) return { ...base, ...none, type: "fixed", precision: 38, scale: 0 };
  switch (type.typeId) {
    case DuckDBTypeId.DECIMAL: {
      const { width, scale } = type as unknown as { width: number; scale: number };
      return { ...base, ...none, type: "fixed", precision: width, scale };
    }
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return { ...base, ...none, type: "real" };
    case DuckDBTypeId.BOOLEAN:
      return { ...base, ...none, type: "boolean" };
    case DuckDBTypeId.DATE:
      return { ...base, ...none, type: "date" };
    case DuckDBTypeId.TIME:
      return { ...base, ...none, type: "time", scale: 9 };
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return { ...base, ...none, type: "timestamp_ntz", scale: 9 };
    case DuckDBTypeId.TIMESTAMP_TZ:
      return { ...base, ...none, type: "timestamp_ltz", scale: 9 };
    case DuckDBTypeId.BLOB:
      return { ...base, ...none, type: "binary", length: 8388608, byteLength: 8388608 };
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return { ...base, ...none, type: "array" };
    case DuckDBTypeId.STRUCT:
    case DuckDBTypeId.MAP:
      return { ...base, ...none, type: "object" };
    default:
      return { ...base, ...none, type: "text", length: 16777216, byteLength: 16777216 };
  }
}

/** `seconds.fraction` with nine fractional digits, from microseconds. */
function epochText(micros: bigint): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const seconds = abs / 1_000_000n;
  const fraction = (abs % 1_000_000n).toString().padStart(6, "0") + "000";
  return `${negative ? "-" : ""}${seconds}.${fraction}`;
}

function jsonOf(value: DuckDBValue): unknown {
  if (value === null || typeof value !== "object") return typeof value === "bigint" ? Number(value) : value;
  if (Array.isArray(value)) return value.map(jsonOf);
  const items = (value as { items?: unknown }).items;
  if (Array.isArray(items)) return items.map((v) => jsonOf(v as DuckDBValue));
  const entries = (value as { entries?: unknown }).entries;
  if (entries && typeof entries === "object")
    return Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, jsonOf(v as DuckDBValue)]));
  return String(value);
}

/**
 * A cell as the SQL API's JSON result format writes it: every value a string (or null); dates as days
 * since the epoch, times and timestamps as seconds since the epoch with nine fractional digits, binary
 * as hex, semi-structured values as JSON text.
 */
export function cellOf(value: DuckDBValue): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "string") return value;
  if (value instanceof DuckDBDateValue) return String(value.days);
  if (value instanceof DuckDBTimeValue) return epochText(value.micros);
  if (value instanceof DuckDBTimestampTZValue || value instanceof DuckDBTimestampValue)
    return epochText(value.micros);
  if (value instanceof DuckDBDecimalValue) return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  const bytes = (value as { bytes?: unknown }).bytes;
  if (bytes instanceof Uint8Array) return Buffer.from(bytes).toString("hex");
  if (typeof value === "object") return JSON.stringify(jsonOf(value));
  return String(value);
}

/** The first paragraph of a DuckDB error message (the rest echoes the SQL). */
function firstParagraph(error: unknown): string {
  const raw =
    typeof (error as { message?: unknown })?.message === "string"
      ? (error as { message: string }).message
      : String(error);
  return raw.split(/\n\s*\n|\nLINE \d+:/)[0]!.trim();
}

/** A DuckDB failure as the Snowflake error a real account would most likely report. */
export function snowflakeErrorOf(error: unknown): SnowflakeSqlError {
  if (error instanceof SnowflakeSqlError) return error;
  // Statements with parameters are prepared first: DuckDB then wraps a parse error in "Failed to extract statements".
  const message = firstParagraph(error).replace(/^Failed to extract statements: /, "");
  const detail = message.replace(/^[A-Za-z ]+Error: /, "");
  if (/^Parser Error/.test(message))
    return new SnowflakeSqlError("001003", "42000", `SQL compilation error:\n${detail}`);
  if (/^Catalog Error/.test(message)) {
    const table = /Table with name (\S+) does not exist/.exec(message)?.[1];
    return new SnowflakeSqlError(
      "002003",
      "42S02",
      table
        ? `SQL compilation error:\nObject '${table.toUpperCase()}' does not exist or not authorized.`
        : `SQL compilation error:\n${detail}`,
    );
  }
  if (/^Binder Error/.test(message)) {
    const column = /Referenced column "?([^"\s]+)"? not found/.exec(message)?.[1];
    return new SnowflakeSqlError(
      "000904",
      "42000",
      column
        ? `SQL compilation error: error line 0 at position 0\ninvalid identifier '${column.toUpperCase()}'`
        : `SQL compilation error:\n${detail}`,
    );
  }
  if (/^Conversion Error/.test(message)) return new SnowflakeSqlError("100038", "22018", detail);
  if (/^Constraint Error/.test(message)) return new SnowflakeSqlError("100072", "22000", detail);
  if (/^(Invalid Input|Out of Range) Error/.test(message))
    return new SnowflakeSqlError("100035", "22000", detail);
  return new SnowflakeSqlError("000603", "XX000", `SQL execution internal error: ${detail}`);
}

/**
 * Snowflake functions DuckDB lacks under that name, as temporary macros (visible from every database):
 * the whole of the emulator's "translation" beyond `?` bindings.
 */
export const SNOWFLAKE_MACROS: readonly string[] = [
  "iff(c, a, b) AS CASE WHEN c THEN a ELSE b END",
  "nvl(a, b) AS coalesce(a, b)",
  "nvl2(a, b, c) AS CASE WHEN a IS NOT NULL THEN b ELSE c END",
  "zeroifnull(a) AS coalesce(a, 0)",
  "to_date(s) AS CAST(s AS DATE)",
  "to_varchar(s) AS CAST(s AS VARCHAR)",
  "current_timestamp() AS get_current_timestamp()",
];

/** A double-quoted identifier, as DuckDB and Snowflake both write them. */
export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
