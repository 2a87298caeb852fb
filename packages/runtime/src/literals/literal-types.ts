/**
 * Builders and predicates for flyteidl2 `LiteralType`s, shared by the converters and the type tokens.
 */
import type { LiteralType, StructuredDatasetType_DatasetColumn } from "../gen/flyteidl2/core/types";
import { BlobType_BlobDimensionality, SimpleType } from "../gen/flyteidl2/core/types.enums";

/** The annotation the Python SDK puts on `dict`, dataclass and pydantic types: values travel as msgpack. */
export const MSGPACK_ANNOTATION = Object.freeze({
  "cache-key-metadata": { "serialization-format": "msgpack" },
});

export function simpleType(simple: SimpleType): LiteralType {
  return { type: { $case: "simple", value: simple } };
}

/**
 * The type of a JSON object that travels as msgpack `Binary`, exactly as the Python SDK declares an untyped
 * `dict`, so a Python task's input and ours are the same type.
 */
export function jsonObjectType(): LiteralType {
  return {
    type: { $case: "simple", value: SimpleType.STRUCT },
    annotation: { annotations: structuredClone(MSGPACK_ANNOTATION) },
  };
}

export function blobType(dimensionality: BlobType_BlobDimensionality, format = ""): LiteralType {
  return { type: { $case: "blob", value: { format, dimensionality } } };
}

export function structuredDatasetType(
  format = "",
  columns: StructuredDatasetType_DatasetColumn[] = [],
): LiteralType {
  return {
    type: {
      $case: "structuredDatasetType",
      value: { columns, format, externalSchemaType: "", externalSchemaBytes: Buffer.alloc(0) },
    },
  };
}

export function collectionType(element: LiteralType): LiteralType {
  return { type: { $case: "collectionType", value: element } };
}

export function mapType(value: LiteralType): LiteralType {
  return { type: { $case: "mapValueType", value } };
}

export function unionType(variants: LiteralType[]): LiteralType {
  return { type: { $case: "unionType", value: { variants } } };
}

export function enumType(values: string[]): LiteralType {
  return { type: { $case: "enumType", value: { values } } };
}

/** True for `SimpleType.NONE` and for unions with a NONE variant: a value may be absent. */
export function isOptionalType(type: LiteralType | undefined): boolean {
  const t = type?.type;
  if (t?.$case === "simple") return t.value === SimpleType.NONE;
  if (t?.$case === "unionType") return t.value.variants.some(isOptionalType);
  return false;
}

type Generated = typeof import("../gen/flyteidl2/core/types");
type Codec = Generated["LiteralType"];
let codec: Codec | undefined;

/**
 * The LiteralType codec, loaded on first use: the authoring API needs only the enums to load, and the
 * codecs (with every message they import) are most of what it would load otherwise.
 */
function literalTypeCodec(): Codec {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (codec ??= (require("../gen/flyteidl2/core/types") as Generated).LiteralType);
}

/** A deep copy, through the wire format, so a shared type is never aliased into a message. */
export function cloneType(type: LiteralType): LiteralType {
  const LiteralType = literalTypeCodec();
  return LiteralType.decode(LiteralType.encode(type).finish());
}

/** A stable identity of a type, for deduplication (same bytes ⇔ same type). */
export function typeKey(type: LiteralType): string {
  return Buffer.from(literalTypeCodec().encode(type).finish()).toString("base64");
}

/**
 * True when a STRUCT type's values travel as msgpack `Binary` rather than a protobuf Struct: the Python SDK
 * marks those with the msgpack annotation, and dataclass / pydantic types carry a JSON schema in
 * `metadata` or a `structure`. A bare STRUCT is the older Struct form (and what guessing produces).
 */
export function usesMsgpack(type: LiteralType): boolean {
  if (type.structure !== undefined) return true;
  // The Python SDK's protobuf-message types also carry metadata (`pb_type`) but travel as a Struct.
  if (type.metadata !== undefined && !("pb_type" in type.metadata)) return true;
  const annotations = type.annotation?.annotations as Record<string, unknown> | undefined;
  const cacheKey = annotations?.["cache-key-metadata"] as Record<string, unknown> | undefined;
  return cacheKey?.["serialization-format"] === "msgpack";
}

const SIMPLE_NAMES: Record<number, string> = {
  [SimpleType.NONE]: "none",
  [SimpleType.INTEGER]: "integer",
  [SimpleType.FLOAT]: "float",
  [SimpleType.STRING]: "string",
  [SimpleType.BOOLEAN]: "boolean",
  [SimpleType.DATETIME]: "datetime",
  [SimpleType.DURATION]: "duration",
  [SimpleType.BINARY]: "binary",
  [SimpleType.ERROR]: "error",
  [SimpleType.STRUCT]: "struct",
};

/** A short, readable name of a type for messages: `list<integer>`, `union<string | none>`, ... */
export function describeType(type: LiteralType | undefined): string {
  const t = type?.type;
  switch (t?.$case) {
    case undefined:
      return "any";
    case "simple":
      return SIMPLE_NAMES[t.value] ?? `simple type ${t.value}`;
    case "schema":
      return "schema";
    case "collectionType":
      return `list<${describeType(t.value)}>`;
    case "mapValueType":
      return `map<string, ${describeType(t.value)}>`;
    case "blob":
      return t.value.dimensionality === BlobType_BlobDimensionality.MULTIPART ? "directory" : "file";
    case "enumType":
      return `enum [${t.value.values.join(", ")}]`;
    case "structuredDatasetType":
      return "dataframe";
    case "unionType":
      return `union<${t.value.variants.map(describeType).join(" | ")}>`;
  }
}
