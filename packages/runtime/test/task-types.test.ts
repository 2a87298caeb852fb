/**
 * Type tokens: the LiteralType each carries (checked at run time by jest) and the native type it stands
 * for (checked at compile time by `tsc -p packages/runtime/tsconfig.spec.json`: every `@ts-expect-error`
 * below must be an error, or the typecheck fails).
 */
import { TypedInterface } from "../src/gen/flyteidl2/core/interface";
import { BlobType_BlobDimensionality, type LiteralType, SimpleType } from "../src/gen/flyteidl2/core/types";
import {
  DataFrame,
  Duration,
  FlyteDirectory,
  FlyteFile,
  float,
  fromLiteral,
  nativeToInputs,
  inputsToNative,
  toLiteral,
} from "../src/literals";
import { interfaceToProto, types, type NativeOf, type NativeValues, type TypeToken } from "../src/task/types";

/** Compile-time equality of two types. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(_proof?: T): void {}

const simple = (value: SimpleType): LiteralType => ({ type: { $case: "simple", value } });

describe("type tokens carry their LiteralType", () => {
  const cases: Array<[string, TypeToken<unknown>, LiteralType]> = [
    ["int", types.int, simple(SimpleType.INTEGER)],
    ["float", types.float, simple(SimpleType.FLOAT)],
    ["string", types.string, simple(SimpleType.STRING)],
    ["bool", types.bool, simple(SimpleType.BOOLEAN)],
    ["datetime", types.datetime, simple(SimpleType.DATETIME)],
    ["duration", types.duration, simple(SimpleType.DURATION)],
    [
      "json (as the Python SDK declares dict)",
      types.json,
      {
        type: { $case: "simple", value: SimpleType.STRUCT },
        annotation: { annotations: { "cache-key-metadata": { "serialization-format": "msgpack" } } },
      },
    ],
    [
      "file",
      types.file,
      { type: { $case: "blob", value: { format: "", dimensionality: BlobType_BlobDimensionality.SINGLE } } },
    ],
    [
      "directory",
      types.directory,
      {
        type: { $case: "blob", value: { format: "", dimensionality: BlobType_BlobDimensionality.MULTIPART } },
      },
    ],
    ["list", types.list(types.int), { type: { $case: "collectionType", value: simple(SimpleType.INTEGER) } }],
    ["map", types.map(types.string), { type: { $case: "mapValueType", value: simple(SimpleType.STRING) } }],
    [
      "optional",
      types.optional(types.int),
      {
        type: {
          $case: "unionType",
          value: { variants: [simple(SimpleType.INTEGER), simple(SimpleType.NONE)] },
        },
      },
    ],
    [
      "optional of optional stays flat",
      types.optional(types.optional(types.int)),
      {
        type: {
          $case: "unionType",
          value: { variants: [simple(SimpleType.INTEGER), simple(SimpleType.NONE)] },
        },
      },
    ],
    [
      "union, nested unions flattened",
      types.union(types.int, types.union(types.string, types.bool), types.int),
      {
        type: {
          $case: "unionType",
          value: {
            variants: [simple(SimpleType.INTEGER), simple(SimpleType.STRING), simple(SimpleType.BOOLEAN)],
          },
        },
      },
    ],
    ["enum", types.enum(["a", "b"] as const), { type: { $case: "enumType", value: { values: ["a", "b"] } } }],
  ];

  it.each(cases)("%s", (_name, token, expected) => {
    expect(token.literalType).toStrictEqual(expected);
  });

  it("dataframe is a generic-format structured dataset", () => {
    const sd = types.dataframe.literalType.type;
    expect(sd?.$case).toBe("structuredDatasetType");
    expect(sd?.$case === "structuredDatasetType" && sd.value).toMatchObject({ format: "", columns: [] });
  });

  it("rejects malformed token arguments", () => {
    expect(() => types.enum([] as unknown as ["a"])).toThrow(TypeError);
    expect(() => types.enum(["a", "a"])).toThrow(/distinct/);
    expect(() => types.list({} as TypeToken<number>)).toThrow(/type token/);
    expect(() => types.union(types.int, 3 as unknown as TypeToken<number>)).toThrow(/argument 2/);
  });
});

describe("interfaceToProto", () => {
  it("builds variables in declaration order with descriptions, not aliasing the tokens", () => {
    const iface = interfaceToProto(
      {
        epochs: { ...types.int, description: "passes over the data" },
        dataset_uri: types.string,
        tags: types.list(types.string),
      },
      { results: types.file },
    );
    expect(iface.inputs?.variables.map((v) => v.key)).toEqual(["epochs", "dataset_uri", "tags"]);
    expect(iface.inputs?.variables[0]?.value?.description).toBe("passes over the data");
    expect(iface.outputs?.variables[0]?.value?.type).toEqual(types.file.literalType);
    expect(iface.inputs?.variables[1]?.value?.type).not.toBe(types.string.literalType);
    // It is a valid message on the wire.
    const wire = TypedInterface.decode(TypedInterface.encode(iface).finish());
    expect(wire.inputs?.variables[2]?.value?.type).toEqual(types.list(types.string).literalType);
  });

  it("drives the literal converters end to end", () => {
    const shape = {
      epochs: types.int,
      rate: types.float,
      note: types.optional(types.string),
      mode: types.enum(["fast", "slow"]),
    };
    const iface = interfaceToProto(shape, {});
    const values: NativeValues<typeof shape> = { epochs: 3, rate: 1, mode: "fast" };
    const inputs = nativeToInputs(values, iface);
    expect(inputs.literals[1]?.value?.value).toMatchObject({
      value: { value: { value: { value: { $case: "floatValue", value: 1 } } } },
    });
    expect(inputsToNative(inputs, iface)).toEqual({ epochs: 3, rate: 1, note: null, mode: "fast" });
  });

  it("rejects something that is not a token", () => {
    expect(() => interfaceToProto({ x: "int" as unknown as TypeToken<number> })).toThrow(/inputs\.x/);
  });
});

describe("static native types", () => {
  it("maps each token to its native type", () => {
    assertType<Equals<NativeOf<typeof types.int>, number | bigint>>();
    assertType<Equals<NativeOf<typeof types.float>, number | ReturnType<typeof float>>>();
    assertType<Equals<NativeOf<typeof types.string>, string>>();
    assertType<Equals<NativeOf<typeof types.bool>, boolean>>();
    assertType<Equals<NativeOf<typeof types.datetime>, Date>>();
    assertType<Equals<NativeOf<typeof types.duration>, Duration>>();
    assertType<Equals<NativeOf<typeof types.json>, Record<string, unknown>>>();
    assertType<Equals<NativeOf<typeof types.file>, FlyteFile>>();
    assertType<Equals<NativeOf<typeof types.directory>, FlyteDirectory>>();
    assertType<Equals<NativeOf<typeof types.dataframe>, DataFrame>>();
    const _list = types.list(types.string);
    assertType<Equals<NativeOf<typeof _list>, string[]>>();
    const _map = types.map(types.list(types.bool));
    assertType<Equals<NativeOf<typeof _map>, Record<string, boolean[]>>>();
    const _optional = types.optional(types.int);
    assertType<Equals<NativeOf<typeof _optional>, number | bigint | null | undefined>>();
    const _union = types.union(types.string, types.file);
    assertType<Equals<NativeOf<typeof _union>, string | FlyteFile>>();
    const _color = types.enum(["red", "green"] as const);
    assertType<Equals<NativeOf<typeof _color>, "red" | "green">>();
    const _inferred = types.enum(["x", "y"]);
    assertType<Equals<NativeOf<typeof _inferred>, "x" | "y">>();
    // @ts-expect-error a wrong equality must not hold (guards the Equals helper itself)
    assertType<Equals<NativeOf<typeof types.int>, number>>();
    expect(types.int.__native).toBeUndefined();
  });

  it("makes optional(...) keys optional and checks the rest", () => {
    const _shape = { epochs: types.int, note: types.optional(types.string), files: types.list(types.file) };
    type Values = NativeValues<typeof _shape>;
    const ok: Values = { epochs: 3, files: [] };
    const full: Values = { epochs: 3n, note: null, files: [new FlyteFile("s3://f")] };
    // @ts-expect-error epochs must be a number or bigint, not a string
    const wrongType: Values = { epochs: "3", files: [] };
    // @ts-expect-error epochs is required
    const missing: Values = { files: [] };
    // @ts-expect-error unknown keys are rejected
    const extra: Values = { epochs: 1, files: [], other: true };
    // @ts-expect-error a list of files does not take strings
    const wrongElement: Values = { epochs: 1, files: ["s3://f"] };
    const color: NativeValues<{ c: ReturnType<typeof types.enum<["a", "b"]>> }> = { c: "a" };
    // @ts-expect-error not one of the enum's values
    const badColor: NativeValues<{ c: ReturnType<typeof types.enum<["a", "b"]>> }> = { c: "z" };
    assertType<Equals<keyof Values, "epochs" | "note" | "files">>();
    expect([ok, full, wrongType, missing, extra, wrongElement, color, badColor]).toHaveLength(8);
  });

  it("types round-trip values as declared", () => {
    const token = types.map(types.optional(types.datetime));
    const value: NativeOf<typeof token> = { a: new Date(0), b: null };
    expect(fromLiteral(toLiteral(value, token.literalType), token.literalType)).toEqual(value);
  });
});
