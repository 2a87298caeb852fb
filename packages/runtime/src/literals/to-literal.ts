/**
 * Native JavaScript values → flyteidl2 `Literal`s, directed by a declared `LiteralType` when there is one.
 */
import { ConnectorError, ErrorCode } from "../errors";
import { fromMillis } from "./timestamp";
import type { Literal, Primitive, Scalar } from "../gen/flyteidl2/core/literals";
import type { BlobType, LiteralType, StructuredDatasetType } from "../gen/flyteidl2/core/types";
import { BlobType_BlobDimensionality, SimpleType } from "../gen/flyteidl2/core/types.enums";
import { columnsToProto } from "./columns";
import { guessLiteralType } from "./guess";
import { MSGPACK_TAG, encodeMsgpack, isPlainObject, mapEntries, toJsonValue } from "./json";
import { cloneType, describeType, usesMsgpack } from "./literal-types";
import { badValue, childPath, describeValue, indexPath } from "./paths";
import { DataFrame, Duration, Float, FlyteDirectory, FlyteFile, RawBinary } from "./values";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Converts a native value to a literal. With `type` (the task interface's type) the value must fit it;
 * without, the type is guessed (see `guessLiteralType`). Throws a bad-request `ConnectorError` naming
 * `path` (and the position inside the value) for anything that does not fit.
 */
export function toLiteral(value: unknown, type?: LiteralType, path = "value"): Literal {
  const t = type?.type;
  if (type === undefined || t === undefined) return toLiteral(value, guessLiteralType(value, path), path);
  switch (t.$case) {
    case "simple":
      return simpleLiteral(value, t.value, type, path);
    case "collectionType":
      return listLiteral(value, t.value, type, path);
    case "mapValueType":
      return mapLiteral(value, t.value, type, path);
    case "blob":
      return blobLiteral(value, t.value, type, path);
    case "enumType":
      return enumLiteral(value, t.value.values, type, path);
    case "structuredDatasetType":
      return dataFrameLiteral(value, t.value, type, path);
    case "unionType":
      return unionLiteral(value, t.value.variants, type, path);
    case "schema":
      throw badValue(path, "schema types are not supported; declare a dataframe instead");
  }
}

function literalOf(value: Literal["value"]): Literal {
  return { value, hash: "", metadata: {} };
}

function scalarLiteral(value: Scalar["value"]): Literal {
  return literalOf({ $case: "scalar", value: { value } });
}

function primitiveLiteral(value: Primitive["value"]): Literal {
  return scalarLiteral({ $case: "primitive", value: { value } });
}

function mismatch(value: unknown, type: LiteralType, path: string): ConnectorError {
  return badValue(path, `expected ${describeType(type)}, got ${describeValue(value)}`);
}

function simpleLiteral(value: unknown, simple: SimpleType, type: LiteralType, path: string): Literal {
  switch (simple) {
    case SimpleType.NONE:
      if (value === null || value === undefined) return scalarLiteral({ $case: "noneType", value: {} });
      throw mismatch(value, type, path);
    case SimpleType.INTEGER:
      return primitiveLiteral({ $case: "integer", value: integerOf(value, type, path) });
    case SimpleType.FLOAT:
      return primitiveLiteral({ $case: "floatValue", value: floatOf(value, type, path) });
    case SimpleType.STRING:
      if (typeof value === "string") return primitiveLiteral({ $case: "stringValue", value });
      throw mismatch(value, type, path);
    case SimpleType.BOOLEAN:
      if (typeof value === "boolean") return primitiveLiteral({ $case: "boolean", value });
      throw mismatch(value, type, path);
    case SimpleType.DATETIME:
      return primitiveLiteral({ $case: "datetime", value: timestampOf(value, type, path) });
    case SimpleType.DURATION:
      if (value instanceof Duration) {
        return primitiveLiteral({ $case: "duration", value: { seconds: value.seconds, nanos: value.nanos } });
      }
      throw mismatch(value, type, path);
    case SimpleType.STRUCT:
      return structLiteral(value, type, path);
    case SimpleType.BINARY:
      return binaryLiteral(value, path);
    default:
      throw badValue(path, `values of type ${describeType(type)} are not supported`);
  }
}

function integerOf(value: unknown, type: LiteralType, path: string): bigint {
  if (typeof value === "bigint") {
    if (value < INT64_MIN || value > INT64_MAX)
      throw badValue(path, `the bigint ${value} is outside the int64 range`);
    return value;
  }
  if (typeof value !== "number") throw mismatch(value, type, path);
  if (!Number.isInteger(value)) throw badValue(path, `expected an integer, got the number ${value}`);
  if (!Number.isSafeInteger(value)) {
    // Beyond 2^53 a number is already rounded; sending it would silently change the value.
    throw badValue(path, `the number ${value} is beyond ±2^53 and loses precision; pass a bigint`);
  }
  return BigInt(value);
}

function floatOf(value: unknown, type: LiteralType, path: string): number {
  if (typeof value === "number") return value;
  if (value instanceof Float && typeof value.value === "number") return value.value;
  throw mismatch(value, type, path);
}

function timestampOf(value: unknown, type: LiteralType, path: string): { seconds: bigint; nanos: number } {
  if (!(value instanceof Date)) throw mismatch(value, type, path);
  const millis = value.getTime();
  if (Number.isNaN(millis)) throw badValue(path, "invalid Date");
  return fromMillis(millis);
}

/** A JSON object: msgpack `Binary` when the type says so (see `usesMsgpack`), else a protobuf Struct. */
function structLiteral(value: unknown, type: LiteralType, path: string): Literal {
  if (!isPlainObject(value) && !(value instanceof Map)) throw mismatch(value, type, path);
  if (usesMsgpack(type)) {
    return scalarLiteral({ $case: "binary", value: { value: encodeMsgpack(value, path), tag: MSGPACK_TAG } });
  }
  const generic = toJsonValue(value, "struct", path) as Record<string, unknown>;
  return scalarLiteral({ $case: "generic", value: generic });
}

/** BINARY: a `RawBinary` goes back as it came; any JSON value travels as msgpack. */
function binaryLiteral(value: unknown, path: string): Literal {
  if (value instanceof RawBinary) {
    return scalarLiteral({ $case: "binary", value: { value: Buffer.from(value.value), tag: value.tag } });
  }
  return scalarLiteral({ $case: "binary", value: { value: encodeMsgpack(value, path), tag: MSGPACK_TAG } });
}

function listLiteral(value: unknown, element: LiteralType, type: LiteralType, path: string): Literal {
  if (!Array.isArray(value)) throw mismatch(value, type, path);
  const literals = value.map((item, i) => toLiteral(item, element, indexPath(path, i)));
  return literalOf({ $case: "collection", value: { literals } });
}

function mapLiteral(value: unknown, valueType: LiteralType, type: LiteralType, path: string): Literal {
  let entries: Array<[string, unknown]>;
  if (value instanceof Map) entries = mapEntries(value, path);
  else if (isPlainObject(value)) entries = Object.entries(value);
  else throw mismatch(value, type, path);
  const literals = Object.fromEntries(
    entries.map(([key, item]) => [key, toLiteral(item, valueType, childPath(path, key))]),
  );
  return literalOf({ $case: "map", value: { literals } });
}

/** A file or directory; a string is taken as the URI when the declared type says which. */
function blobLiteral(value: unknown, blob: BlobType, type: LiteralType, path: string): Literal {
  const wantsDirectory = blob.dimensionality === BlobType_BlobDimensionality.MULTIPART;
  let uri: unknown;
  let format = blob.format;
  if (typeof value === "string") {
    uri = value;
  } else if (wantsDirectory ? value instanceof FlyteDirectory : value instanceof FlyteFile) {
    const given = value as FlyteFile | FlyteDirectory;
    uri = given.uri;
    format = given.format || blob.format;
  } else {
    throw mismatch(value, type, path);
  }
  const checked = checkUri(uri, path);
  return scalarLiteral({
    $case: "blob",
    value: { uri: checked, metadata: { type: { format, dimensionality: blob.dimensionality } } },
  });
}

function checkUri(uri: unknown, path: string): string {
  if (typeof uri !== "string" || uri === "") throw badValue(path, "the uri must be a non-empty string");
  return uri;
}

function enumLiteral(value: unknown, values: string[], type: LiteralType, path: string): Literal {
  if (typeof value !== "string") throw mismatch(value, type, path);
  if (!values.includes(value)) {
    throw badValue(
      path,
      `${JSON.stringify(value.slice(0, 64))} is not one of the allowed values: ${values.join(", ")}`,
    );
  }
  return primitiveLiteral({ $case: "stringValue", value });
}

/** A data frame; the value's format and columns win, the declared type's fill in what it leaves out. */
function dataFrameLiteral(
  value: unknown,
  declared: StructuredDatasetType,
  type: LiteralType,
  path: string,
): Literal {
  let uri: unknown;
  let format = declared.format;
  let columns = declared.columns;
  if (typeof value === "string") {
    uri = value;
  } else if (value instanceof DataFrame) {
    uri = value.uri;
    format = value.format || declared.format;
    if (value.columns.length > 0) columns = columnsToProto(value.columns);
  } else {
    throw mismatch(value, type, path);
  }
  const structuredDatasetType: StructuredDatasetType = { ...declared, format, columns };
  return scalarLiteral({
    $case: "structuredDataset",
    value: { uri: checkUri(uri, path), metadata: { structuredDatasetType } },
  });
}

/**
 * A union: the variants whose kind matches the value exactly are tried first (null → none, a Float →
 * float, ...), then every variant in declared order; the first that accepts the value wins and is
 * recorded as the union's type, as Flyte expects.
 */
function unionLiteral(value: unknown, variants: LiteralType[], type: LiteralType, path: string): Literal {
  const exact = variants.filter((variant) => matchesExactly(value, variant));
  const ordered = [...exact, ...variants.filter((variant) => !exact.includes(variant))];
  for (const variant of ordered) {
    const literal = tryToLiteral(value, variant, path);
    if (literal)
      return scalarLiteral({ $case: "union", value: { value: literal, type: cloneType(variant) } });
  }
  throw badValue(path, `${describeValue(value)} matches no variant of ${describeType(type)}`);
}

function tryToLiteral(value: unknown, type: LiteralType, path: string): Literal | undefined {
  try {
    return toLiteral(value, type, path);
  } catch (error) {
    if (error instanceof ConnectorError && error.code === ErrorCode.BadRequest) return undefined;
    throw error;
  }
}

/** True when the value's own kind is the variant's kind, so no conversion is involved. */
function matchesExactly(value: unknown, variant: LiteralType): boolean {
  const t = variant.type;
  switch (t?.$case) {
    case "simple":
      return simpleKindOf(value) === t.value;
    case "enumType":
      return typeof value === "string" && t.value.values.includes(value);
    case "blob":
      return t.value.dimensionality === BlobType_BlobDimensionality.MULTIPART
        ? value instanceof FlyteDirectory
        : value instanceof FlyteFile;
    case "structuredDatasetType":
      return value instanceof DataFrame;
    case "collectionType":
      return Array.isArray(value);
    case "mapValueType":
      return value instanceof Map;
    default:
      return false;
  }
}

function simpleKindOf(value: unknown): SimpleType | undefined {
  if (value === null || value === undefined) return SimpleType.NONE;
  switch (typeof value) {
    case "boolean":
      return SimpleType.BOOLEAN;
    case "string":
      return SimpleType.STRING;
    case "bigint":
      return SimpleType.INTEGER;
    case "number":
      return Number.isInteger(value) ? SimpleType.INTEGER : SimpleType.FLOAT;
  }
  if (value instanceof Float) return SimpleType.FLOAT;
  if (value instanceof Date) return SimpleType.DATETIME;
  if (value instanceof Duration) return SimpleType.DURATION;
  if (value instanceof RawBinary) return SimpleType.BINARY;
  if (isPlainObject(value)) return SimpleType.STRUCT;
  return undefined;
}
