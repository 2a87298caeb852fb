/**
 * Type tokens: values like `types.int` or `types.list(types.string)` that carry a Flyte `LiteralType` for
 * the wire and, as a phantom, the native TypeScript type, so a task interface declared once both builds
 * the proto `TypedInterface` and type-checks `task.execute({ ... })`.
 */
import type { TypedInterface, VariableMap } from "../gen/flyteidl2/core/interface";
import type { LiteralType } from "../gen/flyteidl2/core/types";
import { BlobType_BlobDimensionality, SimpleType } from "../gen/flyteidl2/core/types.enums";
import {
  blobType,
  cloneType,
  collectionType,
  enumType,
  jsonObjectType,
  mapType,
  simpleType,
  structuredDatasetType,
  typeKey,
  unionType,
} from "../literals/literal-types";
import type { DataFrame, Duration, Float, FlyteDirectory, FlyteFile } from "../literals/values";

/** A Flyte type with its native TypeScript type `T`. */
export interface TypeToken<T> {
  readonly literalType: LiteralType;
  /** Never set: only carries `T` for the compiler. */
  readonly __native?: T;
  /** Shown as the variable's description in the task interface. Set it with `{ ...types.int, description }`. */
  readonly description?: string;
}

/** Any token; tokens are covariant in their native type, so every `TypeToken<T>` is one. */
export type AnyToken = TypeToken<unknown>;

/** The native type a token stands for: `NativeOf<typeof types.int>` is `number | bigint`. */
export type NativeOf<Tok> = Tok extends TypeToken<infer T> ? T : never;

/** A shape of named tokens, as a task declares its inputs or outputs. */
export type TypeShape = Record<string, AnyToken>;

/** Keys whose native type admits `undefined` (tokens made with `optional(...)`): they may be left out. */
type OptionalKeys<S> = { [K in keyof S]-?: undefined extends NativeOf<S[K]> ? K : never }[keyof S];

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * The record of native values a shape accepts. `{ epochs: types.int, note: types.optional(types.string) }`
 * gives `{ epochs: number | bigint; note?: string | null | undefined }`.
 */
export type NativeValues<Shape extends TypeShape> = Simplify<
  { [K in Exclude<keyof Shape, OptionalKeys<Shape>>]: NativeOf<Shape[K]> } & {
    [K in OptionalKeys<Shape>]?: NativeOf<Shape[K]>;
  }
>;

function token<T>(literalType: LiteralType): TypeToken<T> {
  return Object.freeze({ literalType });
}

function checkToken(value: unknown, where: string): LiteralType {
  const literalType = (value as { literalType?: unknown } | null)?.literalType;
  if (typeof literalType !== "object" || literalType === null) {
    throw new TypeError(`${where} must be a type token such as types.int`);
  }
  return literalType as LiteralType;
}

const NONE = simpleType(SimpleType.NONE);

/** Union variants, with nested unions spread into one level and duplicates dropped. */
function flatVariants(types: LiteralType[]): LiteralType[] {
  const byKey = new Map<string, LiteralType>();
  for (const type of types) {
    const inner = type.type?.$case === "unionType" ? type.type.value.variants : [type];
    for (const variant of inner) {
      const key = typeKey(variant);
      if (!byKey.has(key)) byKey.set(key, variant);
    }
  }
  return [...byKey.values()];
}

function list<Tok extends AnyToken>(element: Tok): TypeToken<Array<NativeOf<Tok>>> {
  return token(collectionType(checkToken(element, "types.list(element)")));
}

function map<Tok extends AnyToken>(value: Tok): TypeToken<Record<string, NativeOf<Tok>>> {
  return token(mapType(checkToken(value, "types.map(value)")));
}

/** `T` or nothing: a union of `T` with none, as Flyte (and Python's `Optional[T]`) declares it. */
function optional<Tok extends AnyToken>(inner: Tok): TypeToken<NativeOf<Tok> | null | undefined> {
  return token(unionType(flatVariants([checkToken(inner, "types.optional(inner)"), NONE])));
}

/** One of several types. Unions are tried in declared order, so list the narrowest first. */
function union<const Toks extends readonly [AnyToken, AnyToken, ...Array<AnyToken>]>(
  ...variants: Toks
): TypeToken<NativeOf<Toks[number]>> {
  const types = variants.map((variant, i) => checkToken(variant, `types.union argument ${i + 1}`));
  return token(unionType(flatVariants(types)));
}

/** One of a fixed set of strings. */
function enumOf<const Values extends readonly [string, ...string[]]>(
  values: Values,
): TypeToken<Values[number]> {
  if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== "string")) {
    throw new TypeError("types.enum needs a non-empty array of strings");
  }
  if (new Set(values).size !== values.length) throw new TypeError("types.enum values must be distinct");
  return token(enumType([...values]));
}

/** The type tokens. */
export const types = Object.freeze({
  int: token<number | bigint>(simpleType(SimpleType.INTEGER)),
  float: token<number | Float>(simpleType(SimpleType.FLOAT)),
  string: token<string>(simpleType(SimpleType.STRING)),
  bool: token<boolean>(simpleType(SimpleType.BOOLEAN)),
  datetime: token<Date>(simpleType(SimpleType.DATETIME)),
  duration: token<Duration>(simpleType(SimpleType.DURATION)),
  /** A JSON object, declared as the Python SDK declares `dict`: it travels as msgpack. */
  json: token<Record<string, unknown>>(jsonObjectType()),
  file: token<FlyteFile>(blobType(BlobType_BlobDimensionality.SINGLE)),
  directory: token<FlyteDirectory>(blobType(BlobType_BlobDimensionality.MULTIPART)),
  dataframe: token<DataFrame>(structuredDatasetType()),
  list,
  map,
  optional,
  union,
  enum: enumOf,
});

/**
 * The proto interface of a task: one variable per token, in declaration order (JavaScript orders
 * integer-like keys first, so avoid names like "0").
 */
export function interfaceToProto(inputs: TypeShape = {}, outputs: TypeShape = {}): TypedInterface {
  return { inputs: variableMap(inputs, "inputs"), outputs: variableMap(outputs, "outputs") };
}

function variableMap(shape: TypeShape, side: string): VariableMap {
  return {
    variables: Object.entries(shape).map(([key, tok]) => ({
      key,
      value: { type: cloneType(checkToken(tok, `${side}.${key}`)), description: tok.description ?? "" },
    })),
  };
}
