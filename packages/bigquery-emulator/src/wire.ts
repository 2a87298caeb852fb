/**
 * DuckDB results in BigQuery's REST shapes: a schema field per column, and rows as
 * `{"f":[{"v":...}]}` with every scalar a string, REPEATED as `{"v":[{"v":...}]}`, RECORD as
 * `{"v":{"f":[...]}}` and NULL as null.
 */
import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBIntervalValue,
  DuckDBListValue,
  DuckDBArrayValue,
  DuckDBStructValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimeValue,
  DuckDBTypeId,
  type DuckDBType,
  type DuckDBValue,
} from "@duckdb/node-api";
import type { TableFieldSchema } from "./sql/bq-types";

export interface EncodeOptions {
  /** TIMESTAMP as int64 microseconds (`formatOptions.useInt64Timestamp=true`) rather than float seconds. */
  int64Timestamp: boolean;
}

export interface WireRow {
  f: Array<{ v: unknown }>;
}

export interface ColumnCodec {
  field: TableFieldSchema;
  encode(value: DuckDBValue, options: EncodeOptions): unknown;
}

const INTEGER_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.BIGNUM,
  DuckDBTypeId.SQLNULL,
  DuckDBTypeId.INTEGER_LITERAL,
]);

const MICROS_PER_SECOND = 1_000_000n;

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Fraction of a second as `.ffffff`, or nothing when it is zero. */
function fraction(micros: bigint): string {
  return micros === 0n ? "" : `.${micros.toString().padStart(6, "0")}`;
}

/** `2024-01-02T03:04:05[.ffffff]`, BigQuery's DATETIME text. */
export function formatDatetime(micros: bigint): string {
  const seconds = floorDiv(micros, MICROS_PER_SECOND);
  const frac = micros - seconds * MICROS_PER_SECOND;
  const iso = new Date(Number(seconds) * 1000).toISOString();
  return `${iso.slice(0, 19)}${fraction(frac)}`;
}

export function formatTime(micros: bigint): string {
  const seconds = micros / MICROS_PER_SECOND;
  const frac = micros % MICROS_PER_SECOND;
  const h = seconds / 3600n;
  const m = (seconds / 60n) % 60n;
  const s = seconds % 60n;
  const two = (n: bigint) => n.toString().padStart(2, "0");
  return `${two(h)}:${two(m)}:${two(s)}${fraction(frac)}`;
}

/** Seconds since the epoch as a decimal string, without a float's rounding. */
export function formatSeconds(micros: bigint): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const whole = abs / MICROS_PER_SECOND;
  const frac = (abs % MICROS_PER_SECOND).toString().padStart(6, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${frac ? `.${frac}` : ""}`;
}

function formatDecimal(value: DuckDBDecimalValue): string {
  const text = value.toString();
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

function formatDouble(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  return String(value);
}

/** BigQuery's canonical INTERVAL text, `Y-M D H:M:S[.F]`. */
function formatInterval(value: DuckDBIntervalValue): string {
  const years = Math.trunc(value.months / 12);
  const months = value.months % 12;
  const negative = value.micros < 0n;
  const abs = negative ? -value.micros : value.micros;
  const seconds = abs / MICROS_PER_SECOND;
  const frac = abs % MICROS_PER_SECOND;
  const time = `${negative ? "-" : ""}${seconds / 3600n}:${(seconds / 60n) % 60n}:${seconds % 60n}${fraction(frac)}`;
  return `${years}-${Math.abs(months)} ${value.days} ${time}`;
}

function text(value: DuckDBValue): string {
  return typeof value === "string" ? value : String(value);
}

/** How one DuckDB column appears in BigQuery: its schema field and its cell encoder. */
export function columnCodec(name: string, type: DuckDBType): ColumnCodec {
  const id = type.typeId;
  const scalar = (bqType: string, encode: (v: DuckDBValue, o: EncodeOptions) => unknown): ColumnCodec => ({
    field: { name, type: bqType, mode: "NULLABLE" },
    encode: (v, o) => (v === null ? null : encode(v, o)),
  });
  if (INTEGER_TYPES.has(id)) return scalar("INTEGER", text);
  switch (id) {
    case DuckDBTypeId.BOOLEAN:
      return scalar("BOOLEAN", (v) => (v ? "true" : "false"));
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return scalar("FLOAT", (v) => formatDouble(Number(v)));
    case DuckDBTypeId.DECIMAL: {
      const { width, scale } = type as { width: number; scale: number };
      const bqType = scale <= 9 && width - scale <= 29 ? "NUMERIC" : "BIGNUMERIC";
      return scalar(bqType, (v) => (v instanceof DuckDBDecimalValue ? formatDecimal(v) : text(v)));
    }
    case DuckDBTypeId.VARCHAR:
      return scalar(type.alias === "JSON" ? "JSON" : "STRING", text);
    case DuckDBTypeId.BLOB:
      return scalar("BYTES", (v) =>
        v instanceof DuckDBBlobValue
          ? Buffer.from(v.bytes).toString("base64")
          : Buffer.from(text(v)).toString("base64"),
      );
    case DuckDBTypeId.DATE:
      return scalar("DATE", (v) => (v instanceof DuckDBDateValue ? v.toString() : text(v)));
    case DuckDBTypeId.TIME:
      return scalar("TIME", (v) => (v instanceof DuckDBTimeValue ? formatTime(v.micros) : text(v)));
    case DuckDBTypeId.TIMESTAMP:
      return scalar("DATETIME", (v) =>
        v instanceof DuckDBTimestampValue ? formatDatetime(v.micros) : text(v),
      );
    case DuckDBTypeId.TIMESTAMP_TZ:
      return scalar("TIMESTAMP", (v, o) => {
        if (!(v instanceof DuckDBTimestampTZValue)) return text(v);
        return o.int64Timestamp ? v.micros.toString() : formatSeconds(v.micros);
      });
    case DuckDBTypeId.INTERVAL:
      return scalar("INTERVAL", (v) => (v instanceof DuckDBIntervalValue ? formatInterval(v) : text(v)));
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const elementType = (type as { valueType: DuckDBType }).valueType;
      if (elementType.typeId === DuckDBTypeId.LIST || elementType.typeId === DuckDBTypeId.ARRAY) {
        // BigQuery has no arrays of arrays; show the value as text rather than fail the query.
        return scalar("STRING", text);
      }
      const element = columnCodec(name, elementType);
      return {
        field: { ...element.field, mode: "REPEATED" },
        encode: (v, o) => {
          if (v === null) return [];
          const items = v instanceof DuckDBListValue || v instanceof DuckDBArrayValue ? v.items : [];
          return items.map((item) => ({ v: element.encode(item, o) }));
        },
      };
    }
    case DuckDBTypeId.STRUCT: {
      const struct = type as { entryNames: readonly string[]; entryTypes: readonly DuckDBType[] };
      const children = struct.entryNames.map((n, k) => columnCodec(n, struct.entryTypes[k]!));
      return {
        field: { name, type: "RECORD", mode: "NULLABLE", fields: children.map((c) => c.field) },
        encode: (v, o) => {
          if (v === null) return null;
          const entries = v instanceof DuckDBStructValue ? v.entries : {};
          return { f: children.map((c, k) => ({ v: c.encode(entries[struct.entryNames[k]!] ?? null, o) })) };
        },
      };
    }
    default:
      return scalar("STRING", text);
  }
}

export function encodeRow(
  values: readonly DuckDBValue[],
  codecs: readonly ColumnCodec[],
  options: EncodeOptions,
): WireRow {
  return { f: codecs.map((c, k) => ({ v: c.encode(values[k] ?? null, options) })) };
}
