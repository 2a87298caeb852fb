import { ConnectorError, DataFrame, FlyteDirectory, FlyteFile, Float, Duration } from "@flyte-connectors/runtime";
import type { LiteralType } from "@flyte-connectors/runtime/wire";

/** BigQuery's REST shapes for query parameters. */
export interface QueryParameterType {
  type: string;
  arrayType?: QueryParameterType;
  structTypes?: Array<{ name: string; type: QueryParameterType }>;
}

export interface QueryParameterValue {
  value?: string;
  arrayValues?: QueryParameterValue[];
  structValues?: Record<string, QueryParameterValue>;
}

export interface QueryParameter {
  name: string;
  parameterType: QueryParameterType;
  parameterValue: QueryParameterValue;
}

const SCALAR_TYPES = new Set([
  "INT64",
  "FLOAT64",
  "NUMERIC",
  "BIGNUMERIC",
  "STRING",
  "BOOL",
  "BYTES",
  "DATE",
  "DATETIME",
  "TIME",
  "TIMESTAMP",
  "JSON",
  "GEOGRAPHY",
]);

// Flyte's SimpleType numbers (flyteidl2.core.SimpleType).
const SIMPLE = { NONE: 0, INTEGER: 1, FLOAT: 2, STRING: 3, BOOLEAN: 4, DATETIME: 5, DURATION: 6, BINARY: 7, ERROR: 8, STRUCT: 9 };

/**
 * A parameter type from a declared type string: a scalar name, `ARRAY<...>`, or `STRUCT<name TYPE, ...>`.
 */
export function parseParameterType(text: string, path: string): QueryParameterType {
  // Keywords are case-insensitive; STRUCT field names keep their case.
  const t = text.trim();
  const array = /^ARRAY\s*<(.*)>$/is.exec(t);
  if (array) return { type: "ARRAY", arrayType: parseParameterType(array[1], path) };
  const struct = /^STRUCT\s*<(.*)>$/is.exec(t);
  if (struct) {
    return {
      type: "STRUCT",
      structTypes: splitTopLevel(struct[1]).map((field) => {
        const m = /^\s*(\w+)\s+(.+)$/s.exec(field);
        if (!m) throw ConnectorError.badRequest(`${path}: cannot read STRUCT field "${field.trim()}"`);
        return { name: m[1], type: parseParameterType(m[2], path) };
      }),
    };
  }
  const upper = t.toUpperCase();
  const scalar = upper === "INTEGER" ? "INT64" : upper === "FLOAT" ? "FLOAT64" : upper === "BOOLEAN" ? "BOOL" : upper;
  if (!SCALAR_TYPES.has(scalar)) throw ConnectorError.badRequest(`${path}: unknown BigQuery type "${text}"`);
  return { type: scalar };
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "<") depth++;
    else if (text[i] === ">") depth--;
    else if (text[i] === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.filter((p) => p.trim());
}

/** The BigQuery type a Flyte type maps to; datetime is DATETIME, as in the Python plugin. */
export function parameterTypeFromLiteralType(type: LiteralType | undefined, path: string): QueryParameterType | undefined {
  const t = type?.type;
  if (!t) return undefined;
  switch (t.$case) {
    case "simple":
      switch (t.value as number) {
        case SIMPLE.INTEGER:
          return { type: "INT64" };
        case SIMPLE.FLOAT:
          return { type: "FLOAT64" };
        case SIMPLE.STRING:
          return { type: "STRING" };
        case SIMPLE.BOOLEAN:
          return { type: "BOOL" };
        case SIMPLE.DATETIME:
          return { type: "DATETIME" };
        case SIMPLE.STRUCT:
          return undefined; // a JSON object: STRUCT typed from its value
        default:
          throw ConnectorError.badRequest(`${path}: this Flyte type has no BigQuery parameter type; set custom.QueryParameterTypes`);
      }
    case "collectionType": {
      const element = parameterTypeFromLiteralType(t.value, `${path}[]`);
      return element ? { type: "ARRAY", arrayType: element } : undefined;
    }
    case "enumType":
      return { type: "STRING" };
    case "unionType": {
      // Optional[T]: the non-none variant decides.
      const variants = t.value.variants.filter((v) => !(v.type?.$case === "simple" && (v.type.value as number) === SIMPLE.NONE));
      return variants.length === 1 ? parameterTypeFromLiteralType(variants[0], path) : undefined;
    }
    default:
      throw ConnectorError.badRequest(`${path}: inputs of this kind cannot be query parameters`);
  }
}

/** The type BigQuery would give a native value, for values whose type the interface leaves open. */
export function guessParameterType(value: unknown, path: string): QueryParameterType {
  if (typeof value === "bigint") return { type: "INT64" };
  if (typeof value === "number") return Number.isInteger(value) ? { type: "INT64" } : { type: "FLOAT64" };
  if (value instanceof Float) return { type: "FLOAT64" };
  if (typeof value === "string") return { type: "STRING" };
  if (typeof value === "boolean") return { type: "BOOL" };
  if (value instanceof Date) return { type: "TIMESTAMP" };
  if (value instanceof Uint8Array) return { type: "BYTES" };
  if (Array.isArray(value)) {
    const first = value.find((v) => v !== null && v !== undefined);
    return { type: "ARRAY", arrayType: first === undefined ? { type: "STRING" } : guessParameterType(first, `${path}[0]`) };
  }
  if (value && typeof value === "object" && !(value instanceof FlyteFile || value instanceof FlyteDirectory || value instanceof DataFrame || value instanceof Duration)) {
    return {
      type: "STRUCT",
      structTypes: Object.entries(value as Record<string, unknown>).map(([name, v]) => ({ name, type: guessParameterType(v, `${path}.${name}`) })),
    };
  }
  throw ConnectorError.badRequest(`${path}: a ${describe(value)} cannot be a query parameter`);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return (value as object).constructor?.name ?? "object";
  return typeof value;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

function dateParts(d: Date) {
  return {
    date: `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`,
  };
}

/** A native value as BigQuery's parameter value for the given type. */
export function parameterValue(value: unknown, type: QueryParameterType, path: string): QueryParameterValue {
  // BigQuery reads a parameter value without `value` as NULL.
  if (value === null || value === undefined) return {};
  switch (type.type) {
    case "ARRAY": {
      if (!Array.isArray(value)) throw ConnectorError.badRequest(`${path}: expected a list for ARRAY`);
      return { arrayValues: value.map((v, i) => parameterValue(v, type.arrayType!, `${path}[${i}]`)) };
    }
    case "STRUCT": {
      if (typeof value !== "object" || Array.isArray(value)) throw ConnectorError.badRequest(`${path}: expected an object for STRUCT`);
      const record = value as Record<string, unknown>;
      return {
        structValues: Object.fromEntries(
          (type.structTypes ?? []).map((f) => [f.name, parameterValue(record[f.name], f.type, `${path}.${f.name}`)]),
        ),
      };
    }
    case "INT64":
      if (typeof value === "bigint" || (typeof value === "number" && Number.isInteger(value))) return { value: String(value) };
      throw ConnectorError.badRequest(`${path}: expected an integer for INT64`);
    case "FLOAT64":
    case "NUMERIC":
    case "BIGNUMERIC": {
      const n = value instanceof Float ? value.value : value;
      if (typeof n === "number" || typeof n === "bigint") return { value: String(n) };
      if (typeof n === "string" && n.trim() !== "" && !Number.isNaN(Number(n))) return { value: n.trim() };
      throw ConnectorError.badRequest(`${path}: expected a number for ${type.type}`);
    }
    case "BOOL":
      if (typeof value === "boolean") return { value: String(value) };
      throw ConnectorError.badRequest(`${path}: expected a boolean for BOOL`);
    case "BYTES":
      if (value instanceof Uint8Array) return { value: Buffer.from(value).toString("base64") };
      if (typeof value === "string") return { value: Buffer.from(value, "utf8").toString("base64") };
      throw ConnectorError.badRequest(`${path}: expected bytes for BYTES`);
    case "DATE":
    case "DATETIME":
    case "TIMESTAMP":
    case "TIME": {
      if (typeof value === "string") return { value };
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw ConnectorError.badRequest(`${path}: expected a date for ${type.type}`);
      const { date, time } = dateParts(value);
      if (type.type === "DATE") return { value: date };
      if (type.type === "TIME") return { value: time };
      return { value: type.type === "TIMESTAMP" ? `${date} ${time}+00:00` : `${date} ${time}` };
    }
    case "JSON":
      return { value: typeof value === "string" ? value : JSON.stringify(value) };
    default:
      if (typeof value === "string") return { value };
      throw ConnectorError.badRequest(`${path}: expected a string for ${type.type}`);
  }
}

/**
 * The named query parameters for a task's inputs: typed by `QueryParameterTypes`, else by the input's
 * Flyte type, else by the value.
 */
export function queryParameters(
  inputs: Readonly<Record<string, unknown>>,
  declared: Map<string, LiteralType | undefined>,
  overrides: Record<string, string>,
): QueryParameter[] {
  return Object.entries(inputs).map(([name, value]) => {
    const path = `input '${name}'`;
    const type =
      (overrides[name] !== undefined ? parseParameterType(overrides[name], path) : undefined) ??
      parameterTypeFromLiteralType(declared.get(name), path) ??
      guessParameterType(value, path);
    return { name, parameterType: type, parameterValue: parameterValue(value, type, path) };
  });
}
