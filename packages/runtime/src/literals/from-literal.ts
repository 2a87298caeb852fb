/**
 * flyteidl2 `Literal`s → native JavaScript values, checked against a declared `LiteralType` when there is
 * one.
 */
import { ConnectorError, ErrorCode } from "../errors";
import { toMillis } from "./timestamp";
import type {
  Binary,
  Blob,
  Literal,
  Primitive,
  Scalar,
  StructuredDataset,
} from "../gen/flyteidl2/core/literals";
import type { LiteralType } from "../gen/flyteidl2/core/types";
import { BlobType_BlobDimensionality, SimpleType } from "../gen/flyteidl2/core/types.enums";
import { columnsFromProto } from "./columns";
import { MSGPACK_TAG, decodeMsgpack, isPlainObject } from "./json";
import { describeType, typeKey } from "./literal-types";
import { badValue, childPath, indexPath } from "./paths";
import { DataFrame, Duration, FlyteDirectory, FlyteFile, RawBinary } from "./values";

// The range of JavaScript Dates, in milliseconds either side of the epoch.
const MAX_DATE_MS = 8.64e15;

type ScalarValue = NonNullable<Scalar["value"]>;
type PrimitiveValue = NonNullable<Primitive["value"]>;

/**
 * Converts a literal to a native value: integers to `number` when safe and `bigint` otherwise, floats to
 * `number`, datetimes to `Date` (millisecond precision), durations to `Duration`, none to `null`, blobs to
 * `FlyteFile` / `FlyteDirectory`, structured datasets to `DataFrame`, lists to arrays, maps and JSON
 * objects (Struct or msgpack) to plain objects, unions to their value. With `type` the literal must fit
 * it. Offloaded, schema and error literals are rejected. Errors are bad requests naming `path`.
 */
export function fromLiteral(literal: Literal, type?: LiteralType, path = "value"): unknown {
  rejectUnsupported(literal, path);
  const t = type?.type;
  if (type === undefined || t === undefined) return fromUntyped(literal, path);
  if (t.$case === "unionType") return fromUnion(literal, t.value.variants, type, path);
  const union = scalarOf(literal)?.$case === "union" ? unionValue(literal, path) : undefined;
  // A union literal where a plain type is declared: the value inside is what matters.
  if (union) return fromLiteral(union.value, type, path);
  switch (t.$case) {
    case "simple":
      return fromSimple(literal, t.value, type, path);
    case "collectionType":
      if (literal.value?.$case !== "collection") throw mismatch(literal, type, path);
      return literal.value.value.literals.map((item, i) => fromLiteral(item, t.value, indexPath(path, i)));
    case "mapValueType":
      if (literal.value?.$case !== "map") throw mismatch(literal, type, path);
      return mapToObject(literal.value.value.literals, t.value, path);
    case "blob":
      return fromBlob(literal, t.value.dimensionality, t.value.format, type, path);
    case "enumType":
      return fromEnum(literal, t.value.values, type, path);
    case "structuredDatasetType": {
      const scalar = scalarOf(literal);
      if (scalar?.$case !== "structuredDataset") throw mismatch(literal, type, path);
      return toDataFrame(scalar.value, t.value.format);
    }
    case "schema":
      throw badValue(path, "schema types are not supported; declare a dataframe instead");
  }
}

/** Literal kinds this runtime cannot turn into a value, whatever the declared type. */
function rejectUnsupported(literal: Literal, path: string): void {
  const value = literal.value;
  if (value === undefined) throw badValue(path, "the literal is empty");
  if (literal.metadata?.format === "pickle") {
    throw badValue(path, "is a pickled Python object; pickled literals are not supported");
  }
  if (value.$case === "offloadedMetadata") {
    throw badValue(path, `is offloaded to ${value.value.uri}; offloaded literals are not supported`);
  }
  if (value.$case !== "scalar") return;
  const scalar = value.value.value;
  if (scalar === undefined) throw badValue(path, "the scalar literal is empty");
  if (scalar.$case === "schema") {
    throw badValue(path, `is a schema literal (${scalar.value.uri}); schema literals are not supported`);
  }
  if (scalar.$case === "error") {
    const node = scalar.value.failedNodeId ? ` from node '${scalar.value.failedNodeId}'` : "";
    throw badValue(path, `is an error literal${node}: ${scalar.value.message}`);
  }
}

function scalarOf(literal: Literal): ScalarValue | undefined {
  return literal.value?.$case === "scalar" ? literal.value.value.value : undefined;
}

function unionValue(literal: Literal, path: string): { value: Literal; type?: LiteralType } {
  const scalar = scalarOf(literal);
  if (scalar?.$case !== "union") throw new Error("not a union literal");
  if (!scalar.value.value) throw badValue(path, "the union literal has no value");
  return { value: scalar.value.value, type: scalar.value.type };
}

function fromUntyped(literal: Literal, path: string): unknown {
  const value = literal.value!;
  switch (value.$case) {
    case "collection":
      return value.value.literals.map((item, i) => fromLiteral(item, undefined, indexPath(path, i)));
    case "map":
      return mapToObject(value.value.literals, undefined, path);
    case "scalar":
      return fromScalar(value.value.value!, path);
    default:
      throw badValue(path, `unsupported literal (${value.$case})`);
  }
}

function fromScalar(scalar: ScalarValue, path: string): unknown {
  switch (scalar.$case) {
    case "primitive":
      return fromPrimitive(scalar.value, path);
    case "noneType":
      return null;
    case "blob":
      return toBlob(scalar.value, scalar.value.metadata?.type?.dimensionality, "");
    case "structuredDataset":
      return toDataFrame(scalar.value, "");
    case "generic":
      return scalar.value ?? {};
    case "binary":
      return scalar.value.tag === MSGPACK_TAG
        ? decodeMsgpack(scalar.value.value, path)
        : new RawBinary(new Uint8Array(scalar.value.value), scalar.value.tag);
    case "union": {
      const union = scalar.value;
      if (!union.value) throw badValue(path, "the union literal has no value");
      return fromLiteral(union.value, union.type, path);
    }
    default:
      throw badValue(path, `unsupported scalar literal (${scalar.$case})`);
  }
}

function fromPrimitive(primitive: Primitive, path: string): unknown {
  const value = primitive.value;
  switch (value?.$case) {
    case "integer":
      return narrowInteger(value.value);
    case "floatValue":
    case "stringValue":
    case "boolean":
      return value.value;
    case "datetime":
      return toDate(value.value, path);
    case "duration":
      return toDuration(value.value, path);
    case undefined:
      throw badValue(path, "the primitive literal is empty");
  }
}

/** Integers are numbers while exact, bigints beyond ±2^53. */
function narrowInteger(value: bigint): number | bigint {
  const asNumber = Number(value);
  return Number.isSafeInteger(asNumber) ? asNumber : value;
}

function toDate(timestamp: { seconds: bigint; nanos: number }, path: string): Date {
  const millis = toMillis(timestamp);
  if (!Number.isFinite(millis) || Math.abs(millis) > MAX_DATE_MS) {
    throw badValue(path, `the timestamp ${timestamp.seconds}s is outside the range of a JavaScript Date`);
  }
  return new Date(millis);
}

function toDuration(duration: { seconds: bigint; nanos: number }, path: string): Duration {
  try {
    return new Duration(duration.seconds, duration.nanos);
  } catch (error) {
    throw badValue(path, `invalid duration: ${(error as Error).message}`, error);
  }
}

function toBlob(blob: Blob, dimensionality: BlobType_BlobDimensionality | undefined, fallbackFormat: string) {
  const format = blob.metadata?.type?.format || fallbackFormat;
  return dimensionality === BlobType_BlobDimensionality.MULTIPART
    ? new FlyteDirectory(blob.uri, { format })
    : new FlyteFile(blob.uri, { format });
}

function toDataFrame(dataset: StructuredDataset, fallbackFormat: string): DataFrame {
  const declared = dataset.metadata?.structuredDatasetType;
  return new DataFrame(dataset.uri, {
    format: declared?.format || fallbackFormat,
    columns: columnsFromProto(declared?.columns ?? []),
  });
}

/** A map as a plain object (never a `Map`, typed or not), so it reads like the JSON it usually is. */
function mapToObject(literals: { [key: string]: Literal }, valueType: LiteralType | undefined, path: string) {
  return Object.fromEntries(
    Object.entries(literals).map(([key, item]) => [key, fromLiteral(item, valueType, childPath(path, key))]),
  );
}

function describeLiteral(literal: Literal): string {
  const value = literal.value;
  if (value?.$case === "collection") return "a list literal";
  if (value?.$case === "map") return "a map literal";
  const scalar = scalarOf(literal);
  switch (scalar?.$case) {
    case "primitive":
      return `${primitiveName(scalar.value.value)} literal`;
    case "noneType":
      return "a none literal";
    case "blob":
      return scalar.value.metadata?.type?.dimensionality === BlobType_BlobDimensionality.MULTIPART
        ? "a directory literal"
        : "a file literal";
    case "binary":
      return `a binary literal (tag "${scalar.value.tag}")`;
    case "generic":
      return "a struct literal";
    case "structuredDataset":
      return "a dataframe literal";
    case "union":
      return "a union literal";
    default:
      return "an unsupported literal";
  }
}

function primitiveName(value: PrimitiveValue | undefined): string {
  switch (value?.$case) {
    case "integer":
      return "an integer";
    case "floatValue":
      return "a float";
    case "stringValue":
      return "a string";
    case "boolean":
      return "a boolean";
    case "datetime":
      return "a datetime";
    case "duration":
      return "a duration";
    default:
      return "an empty primitive";
  }
}

function mismatch(literal: Literal, type: LiteralType, path: string): ConnectorError {
  return badValue(path, `expected ${describeType(type)}, got ${describeLiteral(literal)}`);
}

function fromSimple(literal: Literal, simple: SimpleType, type: LiteralType, path: string): unknown {
  const scalar = scalarOf(literal);
  if (scalar?.$case === "binary") return fromBinary(scalar.value, simple, type, path);
  const primitive = scalar?.$case === "primitive" ? scalar.value.value : undefined;
  switch (simple) {
    case SimpleType.NONE:
      if (scalar?.$case === "noneType") return null;
      break;
    case SimpleType.INTEGER:
      if (primitive?.$case === "integer") return narrowInteger(primitive.value);
      break;
    case SimpleType.FLOAT:
      // An integer literal is a valid float, as in the Python SDK.
      if (primitive?.$case === "floatValue") return primitive.value;
      if (primitive?.$case === "integer") return Number(primitive.value);
      break;
    case SimpleType.STRING:
      if (primitive?.$case === "stringValue") return primitive.value;
      break;
    case SimpleType.BOOLEAN:
      if (primitive?.$case === "boolean") return primitive.value;
      break;
    case SimpleType.DATETIME:
      if (primitive?.$case === "datetime") return toDate(primitive.value, path);
      break;
    case SimpleType.DURATION:
      if (primitive?.$case === "duration") return toDuration(primitive.value, path);
      break;
    case SimpleType.STRUCT:
      if (scalar?.$case === "generic") return scalar.value ?? {};
      break;
    default:
      throw badValue(path, `values of type ${describeType(type)} are not supported`);
  }
  throw mismatch(literal, type, path);
}

/**
 * Binary where a simple type is declared. Msgpack is accepted for any JSON-shaped type (Flyte's
 * attribute access produces msgpack scalars too) and checked against it; other tags only for BINARY.
 */
function fromBinary(binary: Binary, simple: SimpleType, type: LiteralType, path: string): unknown {
  if (binary.tag !== MSGPACK_TAG) {
    if (simple === SimpleType.BINARY) return new RawBinary(new Uint8Array(binary.value), binary.tag);
    throw badValue(
      path,
      `unsupported binary literal tag "${binary.tag}"; only "${MSGPACK_TAG}" is understood`,
    );
  }
  const value = decodeMsgpack(binary.value, path);
  if (msgpackFits(value, simple)) return value;
  throw badValue(path, `expected ${describeType(type)}, got msgpack holding something else`);
}

function msgpackFits(value: unknown, simple: SimpleType): boolean {
  switch (simple) {
    case SimpleType.BINARY:
      return true;
    case SimpleType.STRUCT:
      return isPlainObject(value);
    case SimpleType.NONE:
      return value === null;
    case SimpleType.INTEGER:
      return typeof value === "bigint" || Number.isInteger(value);
    case SimpleType.FLOAT:
      return typeof value === "number";
    case SimpleType.STRING:
      return typeof value === "string";
    case SimpleType.BOOLEAN:
      return typeof value === "boolean";
    default:
      return false;
  }
}

function fromBlob(
  literal: Literal,
  dimensionality: BlobType_BlobDimensionality,
  format: string,
  type: LiteralType,
  path: string,
): FlyteFile | FlyteDirectory {
  const scalar = scalarOf(literal);
  if (scalar?.$case !== "blob") throw mismatch(literal, type, path);
  return toBlob(scalar.value, dimensionality, format);
}

function fromEnum(literal: Literal, values: string[], type: LiteralType, path: string): string {
  const scalar = scalarOf(literal);
  const primitive = scalar?.$case === "primitive" ? scalar.value.value : undefined;
  if (primitive?.$case !== "stringValue") throw mismatch(literal, type, path);
  if (!values.includes(primitive.value)) {
    throw badValue(
      path,
      `${JSON.stringify(primitive.value.slice(0, 64))} is not one of the allowed values: ${values.join(", ")}`,
    );
  }
  return primitive.value;
}

/**
 * A union literal decodes with the variant it names (the interface's copy when it is one of them);
 * anything else is tried against each variant in order, so a none literal fits an optional.
 */
function fromUnion(literal: Literal, variants: LiteralType[], type: LiteralType, path: string): unknown {
  if (scalarOf(literal)?.$case === "union") {
    const union = unionValue(literal, path);
    if (union.type?.type) {
      const key = typeKey(union.type);
      const declared = variants.find((variant) => typeKey(variant) === key);
      return fromLiteral(union.value, declared ?? union.type, path);
    }
    return fromUnion(union.value, variants, type, path);
  }
  for (const variant of variants) {
    const result = tryFromLiteral(literal, variant, path);
    if (result.ok) return result.value;
  }
  throw badValue(path, `${describeLiteral(literal)} matches no variant of ${describeType(type)}`);
}

function tryFromLiteral(literal: Literal, type: LiteralType, path: string): { ok: boolean; value?: unknown } {
  try {
    return { ok: true, value: fromLiteral(literal, type, path) };
  } catch (error) {
    if (error instanceof ConnectorError && error.code === ErrorCode.BadRequest) return { ok: false };
    throw error;
  }
}
