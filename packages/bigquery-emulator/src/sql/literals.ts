/**
 * JSON values (query parameters, streamed rows, seed rows) as typed DuckDB SQL literals.
 *
 * Values are inlined rather than bound: every statement that accepts a literal then accepts a
 * parameter, and the generated SQL can be tested as a string. Strings are always single-quoted with
 * quotes doubled, the only escape DuckDB recognises, so a value can never end its literal.
 */
import { duckType, type BqType } from "./bq-types";
import { SqlError } from "./sql-error";

export interface LiteralOptions {
  /** Ignore STRUCT keys the type does not declare instead of failing. */
  ignoreUnknownValues?: boolean;
  /** Store a missing ARRAY as an empty one, as BigQuery does for REPEATED columns. */
  nullArrayAsEmpty?: boolean;
}

export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function invalid(path: string, message: string): SqlError {
  return new SqlError(`${path}: ${message}`, "invalid");
}

function describe(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DECIMAL_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const TIME_RE = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const DATETIME_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;
const TIMESTAMP_RE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|UTC|[+-]\d{1,2}(?::?\d{2})?)?$/;

function validDate(y: string, m: string, d: string): boolean {
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  return year >= 1 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function validTime(h?: string, mi?: string, s?: string): boolean {
  return Number(h ?? 0) < 24 && Number(mi ?? 0) < 60 && Number(s ?? 0) < 60;
}

/** Decimal seconds since the epoch as integer microseconds, without going through a float. */
export function secondsToMicros(text: string): bigint {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m) throw new Error(`not a decimal number: ${text}`);
  const whole = BigInt(m[2] || "0");
  const frac = BigInt(((m[3] ?? "") + "000000").slice(0, 6));
  const micros = whole * 1_000_000n + frac;
  return m[1] === "-" ? -micros : micros;
}

/** A value as a DuckDB literal of the DuckDB type that stores `type`. */
export function toSqlLiteral(
  value: unknown,
  type: BqType,
  path: string,
  options: LiteralOptions = {},
): string {
  if (value === null || value === undefined) {
    if (type.name === "ARRAY" && options.nullArrayAsEmpty) return `CAST([] AS ${duckType(type)})`;
    return `CAST(NULL AS ${duckType(type)})`;
  }
  switch (type.name) {
    case "INT64": {
      let n: bigint;
      if (typeof value === "number" && Number.isInteger(value)) n = BigInt(value);
      else if (typeof value === "string" && /^\s*[+-]?\d+\s*$/.test(value)) n = BigInt(value.trim());
      else if (typeof value === "bigint") n = value;
      else throw invalid(path, `Cannot convert value ${describe(value)} to integer.`);
      if (n < INT64_MIN || n > INT64_MAX) throw invalid(path, `Value ${n} is out of range for INT64.`);
      return `CAST(${n} AS BIGINT)`;
    }
    case "FLOAT64": {
      if (typeof value === "number") {
        return Number.isFinite(value)
          ? `CAST(${sqlString(String(value))} AS DOUBLE)`
          : `CAST('${value}' AS DOUBLE)`;
      }
      if (typeof value === "string") {
        const t = value.trim();
        if (DECIMAL_RE.test(t)) return `CAST(${sqlString(t)} AS DOUBLE)`;
        const special = {
          nan: "NaN",
          inf: "Infinity",
          "+inf": "Infinity",
          infinity: "Infinity",
          "+infinity": "Infinity",
          "-inf": "-Infinity",
          "-infinity": "-Infinity",
        }[t.toLowerCase()];
        if (special) return `CAST('${special}' AS DOUBLE)`;
      }
      throw invalid(path, `Cannot convert value ${describe(value)} to float.`);
    }
    case "NUMERIC":
    case "BIGNUMERIC": {
      const text =
        typeof value === "number" && Number.isFinite(value)
          ? String(value)
          : typeof value === "string"
            ? value.trim()
            : "";
      if (!DECIMAL_RE.test(text))
        throw invalid(path, `Cannot convert value ${describe(value)} to ${type.name}.`);
      return `CAST(${sqlString(text)} AS ${duckType(type)})`;
    }
    case "BOOL": {
      if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
      if (typeof value === "string" && /^(true|false)$/i.test(value.trim()))
        return value.trim().toLowerCase() === "true" ? "TRUE" : "FALSE";
      throw invalid(path, `Cannot convert value ${describe(value)} to boolean.`);
    }
    case "STRING":
    case "GEOGRAPHY": {
      if (typeof value === "string") return `CAST(${sqlString(value)} AS VARCHAR)`;
      if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
        return `CAST(${sqlString(String(value))} AS VARCHAR)`;
      }
      throw invalid(path, `Cannot convert value ${describe(value)} to string.`);
    }
    case "BYTES": {
      let bytes: Buffer;
      if (typeof value === "string") {
        const t = value.trim();
        if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(t))
          throw invalid(path, `Cannot convert value ${describe(value)} to bytes: not base64.`);
        bytes = Buffer.from(t, "base64");
      } else if (isBufferJson(value)) {
        // The Node client serialises a Buffer parameter with Buffer#toJSON rather than base64.
        bytes = Buffer.from(value.data);
      } else {
        throw invalid(path, `Cannot convert value ${describe(value)} to bytes.`);
      }
      return `from_hex('${bytes.toString("hex")}')`;
    }
    case "DATE": {
      const m = typeof value === "string" ? DATE_RE.exec(value.trim()) : null;
      if (!m || !validDate(m[1]!, m[2]!, m[3]!)) throw invalid(path, `Invalid date: ${describe(value)}`);
      return `CAST(${sqlString(value as string)} AS DATE)`;
    }
    case "TIME": {
      const m = typeof value === "string" ? TIME_RE.exec(value.trim()) : null;
      if (!m || !validTime(m[1], m[2], m[3])) throw invalid(path, `Invalid time: ${describe(value)}`);
      return `CAST(${sqlString(trimFraction((value as string).trim()))} AS TIME)`;
    }
    case "DATETIME": {
      const m = typeof value === "string" ? DATETIME_RE.exec(value.trim()) : null;
      if (!m || !validDate(m[1]!, m[2]!, m[3]!) || !validTime(m[4], m[5], m[6])) {
        throw invalid(path, `Invalid datetime: ${describe(value)}`);
      }
      return `CAST(${sqlString(trimFraction((value as string).trim().replace("T", " ")))} AS TIMESTAMP)`;
    }
    case "TIMESTAMP": {
      if (typeof value === "number" && Number.isFinite(value)) {
        return `CAST(make_timestamp(CAST(${secondsToMicros(value.toFixed(6))} AS BIGINT)) AS TIMESTAMPTZ)`;
      }
      if (typeof value === "string") {
        const t = value.trim();
        if (/^[+-]?\d+(?:\.\d*)?$/.test(t)) {
          return `CAST(make_timestamp(CAST(${secondsToMicros(t)} AS BIGINT)) AS TIMESTAMPTZ)`;
        }
        const m = TIMESTAMP_RE.exec(t);
        if (m && validDate(m[1]!, m[2]!, m[3]!) && validTime(m[4], m[5], m[6])) {
          const zone = m[8];
          const local = trimFraction(
            t
              .slice(0, t.length - (zone?.length ?? 0))
              .trim()
              .replace("T", " "),
          );
          const offset = !zone || /^(z|utc)$/i.test(zone) ? "+00" : zone;
          return `CAST(${sqlString(`${local}${offset}`)} AS TIMESTAMPTZ)`;
        }
      }
      throw invalid(path, `Invalid timestamp: ${describe(value)}`);
    }
    case "JSON": {
      let text: string;
      if (typeof value === "string") {
        try {
          JSON.parse(value);
        } catch {
          throw invalid(path, `Invalid JSON: ${describe(value)}`);
        }
        text = value;
      } else {
        text = JSON.stringify(value);
      }
      return `CAST(${sqlString(text)} AS JSON)`;
    }
    case "INTERVAL": {
      if (typeof value !== "string") throw invalid(path, `Invalid interval: ${describe(value)}`);
      return `CAST(${sqlString(value)} AS INTERVAL)`;
    }
    case "ARRAY": {
      if (!Array.isArray(value))
        throw invalid(
          path,
          `Array specified for non-repeated field or a non-array value for a repeated field: ${describe(value)}`,
        );
      const element = type.element!;
      if (element.name === "ARRAY") throw invalid(path, "Arrays of arrays are not allowed.");
      const items = value.map((item, i) => {
        if (item === null || item === undefined)
          throw invalid(`${path}[${i}]`, "NULL elements are not allowed in arrays.");
        return toSqlLiteral(item, element, `${path}[${i}]`, options);
      });
      return `CAST([${items.join(", ")}] AS ${duckType(type)})`;
    }
    case "STRUCT": {
      if (typeof value !== "object" || Array.isArray(value))
        throw invalid(path, `Cannot convert value ${describe(value)} to a record.`);
      const given = value as Record<string, unknown>;
      const fields = type.fields ?? [];
      const byName = new Map(fields.map((f) => [f.name.toLowerCase(), f]));
      for (const key of Object.keys(given)) {
        if (!byName.has(key.toLowerCase()) && !options.ignoreUnknownValues)
          throw invalid(`${path}.${key}`, "no such field.");
      }
      const lowerKeys = new Map(Object.keys(given).map((k) => [k.toLowerCase(), k]));
      const entries = fields.map((f) => {
        const key = lowerKeys.get(f.name.toLowerCase());
        const item = key === undefined ? null : given[key];
        return `${sqlString(f.name)}: ${toSqlLiteral(item, f.type, `${path}.${f.name}`, options)}`;
      });
      return `CAST({${entries.join(", ")}} AS ${duckType(type)})`;
    }
  }
}

function isBufferJson(value: unknown): value is { type: "Buffer"; data: number[] } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { type?: unknown }).type === "Buffer" &&
    Array.isArray((value as { data?: unknown }).data)
  );
}

/** DuckDB keeps microseconds; BigQuery accepts up to nanoseconds in text and truncates. */
function trimFraction(text: string): string {
  return text.replace(/(\.\d{6})\d+/, "$1");
}
