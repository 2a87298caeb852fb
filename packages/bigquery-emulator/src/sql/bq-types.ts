/**
 * BigQuery's types and how each one is stored in DuckDB.
 *
 * TIMESTAMP is an absolute instant, so it lives in TIMESTAMPTZ (the session time zone is UTC);
 * DATETIME is a civil date and time, so it lives in a plain TIMESTAMP.
 */
import { SqlError } from "./sql-error";

export type BqTypeName =
  | "INT64"
  | "FLOAT64"
  | "NUMERIC"
  | "BIGNUMERIC"
  | "STRING"
  | "BYTES"
  | "BOOL"
  | "DATE"
  | "DATETIME"
  | "TIME"
  | "TIMESTAMP"
  | "JSON"
  | "GEOGRAPHY"
  | "INTERVAL"
  | "ARRAY"
  | "STRUCT";

export interface BqField {
  name: string;
  type: BqType;
}

export interface BqType {
  name: BqTypeName;
  /** Element type of an ARRAY. */
  element?: BqType;
  /** Fields of a STRUCT, in order. */
  fields?: BqField[];
}

/** A field of a table schema in the REST shape. */
export interface TableFieldSchema {
  name: string;
  type: string;
  mode?: string;
  description?: string;
  fields?: TableFieldSchema[];
}

/** A query parameter type in the REST shape. */
export interface QueryParameterType {
  type: string;
  arrayType?: QueryParameterType;
  structTypes?: Array<{ name?: string; type: QueryParameterType; description?: string }>;
}

const ALIASES: Record<string, BqTypeName> = {
  INT64: "INT64",
  INT: "INT64",
  INTEGER: "INT64",
  SMALLINT: "INT64",
  BIGINT: "INT64",
  TINYINT: "INT64",
  BYTEINT: "INT64",
  FLOAT64: "FLOAT64",
  FLOAT: "FLOAT64",
  NUMERIC: "NUMERIC",
  DECIMAL: "NUMERIC",
  BIGNUMERIC: "BIGNUMERIC",
  BIGDECIMAL: "BIGNUMERIC",
  STRING: "STRING",
  BYTES: "BYTES",
  BOOL: "BOOL",
  BOOLEAN: "BOOL",
  DATE: "DATE",
  DATETIME: "DATETIME",
  TIME: "TIME",
  TIMESTAMP: "TIMESTAMP",
  JSON: "JSON",
  GEOGRAPHY: "GEOGRAPHY",
  INTERVAL: "INTERVAL",
  ARRAY: "ARRAY",
  STRUCT: "STRUCT",
  RECORD: "STRUCT",
};

/** The canonical name for any spelling BigQuery accepts (`INTEGER`, `BOOLEAN`, `RECORD`, ...). */
export function normalizeTypeName(name: string): BqTypeName | undefined {
  return ALIASES[name.toUpperCase()];
}

/** NUMERIC's precision and scale; BIGNUMERIC shares them because DuckDB decimals stop at 38 digits. */
export const NUMERIC_DUCK_TYPE = "DECIMAL(38,9)";

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The DuckDB type that stores a BigQuery type. */
export function duckType(type: BqType): string {
  switch (type.name) {
    case "INT64":
      return "BIGINT";
    case "FLOAT64":
      return "DOUBLE";
    case "NUMERIC":
    case "BIGNUMERIC":
      return NUMERIC_DUCK_TYPE;
    case "STRING":
    case "GEOGRAPHY":
      return "VARCHAR";
    case "BYTES":
      return "BLOB";
    case "BOOL":
      return "BOOLEAN";
    case "DATE":
      return "DATE";
    case "DATETIME":
      return "TIMESTAMP";
    case "TIME":
      return "TIME";
    case "TIMESTAMP":
      return "TIMESTAMPTZ";
    case "JSON":
      return "JSON";
    case "INTERVAL":
      return "INTERVAL";
    case "ARRAY":
      return `${duckType(type.element!)}[]`;
    case "STRUCT":
      return `STRUCT(${(type.fields ?? []).map((f) => `${quoteIdent(f.name)} ${duckType(f.type)}`).join(", ")})`;
  }
}

/** The name the REST API uses in schemas (`INTEGER`, `FLOAT`, `BOOLEAN`, `RECORD`, ...). */
export function restTypeName(name: BqTypeName): string {
  switch (name) {
    case "INT64":
      return "INTEGER";
    case "FLOAT64":
      return "FLOAT";
    case "BOOL":
      return "BOOLEAN";
    case "STRUCT":
      return "RECORD";
    default:
      return name;
  }
}

/** The type of a table field, with REPEATED mode folded into an ARRAY. */
export function typeOfField(field: TableFieldSchema): BqType {
  const base = scalarOrStruct(field.type, field.fields, field.name);
  return (field.mode ?? "").toUpperCase() === "REPEATED" ? { name: "ARRAY", element: base } : base;
}

function scalarOrStruct(typeName: string, fields: TableFieldSchema[] | undefined, where: string): BqType {
  const name = normalizeTypeName(typeName ?? "");
  if (!name || name === "ARRAY") throw new SqlError(`Invalid type ${typeName} for field ${where}`, "invalid");
  if (name === "STRUCT") {
    if (!fields || fields.length === 0)
      throw new SqlError(`Field ${where} is type RECORD but has no schema`, "invalid");
    return { name, fields: fields.map((f) => ({ name: f.name, type: typeOfField(f) })) };
  }
  return { name };
}

/** The type of a query parameter. */
export function typeOfParameter(type: QueryParameterType | undefined, where: string): BqType {
  if (!type || typeof type.type !== "string")
    throw new SqlError(`Query parameter ${where} has no parameterType.type`, "invalid");
  const name = normalizeTypeName(type.type);
  if (!name) throw new SqlError(`Query parameter ${where} has unknown type ${type.type}`, "invalid");
  if (name === "ARRAY") {
    if (!type.arrayType)
      throw new SqlError(`Query parameter ${where} of type ARRAY has no arrayType`, "invalid");
    return { name, element: typeOfParameter(type.arrayType, `${where}[]`) };
  }
  if (name === "STRUCT") {
    const fields = (type.structTypes ?? []).map((f, i) => ({
      name: f.name ?? `_field_${i + 1}`,
      type: typeOfParameter(f.type, `${where}.${f.name ?? i}`),
    }));
    return { name, fields };
  }
  return { name };
}

/** A table field in the REST shape for a type (ARRAY becomes mode REPEATED). */
export function fieldSchemaOf(name: string, type: BqType, mode = "NULLABLE"): TableFieldSchema {
  if (type.name === "ARRAY") return fieldSchemaOf(name, type.element!, "REPEATED");
  const field: TableFieldSchema = { name, type: restTypeName(type.name), mode };
  if (type.name === "STRUCT") field.fields = (type.fields ?? []).map((f) => fieldSchemaOf(f.name, f.type));
  return field;
}
