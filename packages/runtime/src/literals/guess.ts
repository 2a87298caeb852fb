/**
 * The Flyte type of a JavaScript value when no declared type is at hand (outputs of an untyped task,
 * inputs the interface does not name).
 */
import type { LiteralType } from "../gen/flyteidl2/core/types";
import { BlobType_BlobDimensionality, SimpleType } from "../gen/flyteidl2/core/types.enums";
import { isPlainObject, mapEntries } from "./json";
import {
  blobType,
  collectionType,
  mapType,
  simpleType,
  structuredDatasetType,
  typeKey,
  unionType,
} from "./literal-types";
import { badValue, childPath, describeValue, indexPath } from "./paths";
import { columnsToProto } from "./columns";
import { DataFrame, Duration, Float, FlyteDirectory, FlyteFile, RawBinary } from "./values";

/**
 * Guesses a value's type: a safe integral number is an integer (wrap it in `Float` for a float), other
 * numbers are floats, a bigint is an integer, an array is a list of its elements' common type, a `Map` is a
 * map, and a plain object is a JSON object (a bare STRUCT, sent as a protobuf Struct). Mixed element types
 * make a union, except integers with floats, which widen to float. An empty list or map has elements of
 * type none.
 */
export function guessLiteralType(value: unknown, path = "value"): LiteralType {
  const scalar = guessScalarType(value);
  if (scalar) return scalar;
  if (Array.isArray(value)) {
    return collectionType(commonType(value.map((item, i) => guessLiteralType(item, indexPath(path, i)))));
  }
  if (value instanceof Map) {
    const entries = mapEntries(value, path);
    return mapType(commonType(entries.map(([key, item]) => guessLiteralType(item, childPath(path, key)))));
  }
  if (isPlainObject(value)) return simpleType(SimpleType.STRUCT);
  throw badValue(path, `unsupported value (${describeValue(value)}); it has no Flyte type`);
}

function guessScalarType(value: unknown): LiteralType | undefined {
  if (value === null || value === undefined) return simpleType(SimpleType.NONE);
  switch (typeof value) {
    case "boolean":
      return simpleType(SimpleType.BOOLEAN);
    case "string":
      return simpleType(SimpleType.STRING);
    case "bigint":
      return simpleType(SimpleType.INTEGER);
    case "number":
      return simpleType(Number.isSafeInteger(value) ? SimpleType.INTEGER : SimpleType.FLOAT);
  }
  if (value instanceof Float) return simpleType(SimpleType.FLOAT);
  if (value instanceof Date) return simpleType(SimpleType.DATETIME);
  if (value instanceof Duration) return simpleType(SimpleType.DURATION);
  if (value instanceof RawBinary) return simpleType(SimpleType.BINARY);
  if (value instanceof FlyteFile) return blobType(BlobType_BlobDimensionality.SINGLE, value.format);
  if (value instanceof FlyteDirectory) return blobType(BlobType_BlobDimensionality.MULTIPART, value.format);
  if (value instanceof DataFrame) return structuredDatasetType(value.format, columnsToProto(value.columns));
  return undefined;
}

/** One type for a list's elements or a map's values. */
function commonType(types: LiteralType[]): LiteralType {
  const distinct = new Map<string, LiteralType>();
  for (const type of types) distinct.set(typeKey(type), type);
  let variants = [...distinct.values()];
  const isSimple = (t: LiteralType, s: SimpleType) => t.type?.$case === "simple" && t.type.value === s;
  if (variants.some((t) => isSimple(t, SimpleType.FLOAT))) {
    variants = variants.filter((t) => !isSimple(t, SimpleType.INTEGER));
  }
  if (variants.length === 0) return simpleType(SimpleType.NONE);
  if (variants.length === 1) return variants[0]!;
  return unionType(variants);
}
