/**
 * native → literal → wire → literal → native, typed and guessed, for every supported type.
 */
import { Literal } from "../../src/gen/flyteidl2/core/literals";
import {
  BlobType_BlobDimensionality,
  type LiteralType,
  SimpleType,
} from "../../src/gen/flyteidl2/core/types";
import {
  DataFrame,
  Duration,
  Float,
  FlyteDirectory,
  FlyteFile,
  RawBinary,
  float,
  fromLiteral,
  guessLiteralType,
  toLiteral,
} from "../../src/literals";
import {
  blobType,
  collectionType,
  describeType,
  enumType,
  jsonObjectType,
  mapType,
  simpleType,
  structuredDatasetType,
  unionType,
} from "../../src/literals/literal-types";

const INT = simpleType(SimpleType.INTEGER);
const FLOAT = simpleType(SimpleType.FLOAT);
const STRING = simpleType(SimpleType.STRING);
const NONE = simpleType(SimpleType.NONE);
const STRUCT = simpleType(SimpleType.STRUCT);

/** Through the wire, so nothing survives by object identity. */
function roundTrip(value: unknown, type?: LiteralType): unknown {
  const literal = toLiteral(value, type);
  return fromLiteral(Literal.decode(Literal.encode(literal).finish()), type);
}

function scalarCase(literal: Literal): string | undefined {
  return literal.value?.$case === "scalar" ? literal.value.value.value?.$case : literal.value?.$case;
}

describe("round trips", () => {
  const cases: Array<[string, unknown, LiteralType | undefined, unknown]> = [
    ["integer", 42, INT, 42],
    ["negative integer, guessed", -42, undefined, -42],
    ["max safe integer", Number.MAX_SAFE_INTEGER, INT, Number.MAX_SAFE_INTEGER],
    ["int64 beyond 2^53 as bigint", 2n ** 62n + 1n, INT, 2n ** 62n + 1n],
    ["int64 min", -(2n ** 63n), undefined, -(2n ** 63n)],
    ["small bigint comes back as number", 5n, INT, 5],
    ["float", 2.75, FLOAT, 2.75],
    ["integral number under FLOAT", 3, FLOAT, 3],
    ["Float wrapper, guessed", float(3), undefined, 3],
    ["NaN", Number.NaN, FLOAT, Number.NaN],
    ["string", "héllo ✓", STRING, "héllo ✓"],
    ["empty string", "", undefined, ""],
    ["boolean", true, undefined, true],
    [
      "datetime",
      new Date("1999-12-31T23:59:59.999Z"),
      simpleType(SimpleType.DATETIME),
      new Date("1999-12-31T23:59:59.999Z"),
    ],
    ["datetime before the epoch", new Date(-86_400_001), undefined, new Date(-86_400_001)],
    ["duration", Duration.ofSeconds(1.25), simpleType(SimpleType.DURATION), Duration.ofMillis(1250)],
    ["negative duration", Duration.ofMillis(-1), undefined, Duration.ofMillis(-1)],
    ["none", null, NONE, null],
    ["undefined as none", undefined, undefined, null],
    [
      "file",
      new FlyteFile("s3://b/k.csv", { format: "csv" }),
      blobType(BlobType_BlobDimensionality.SINGLE),
      new FlyteFile("s3://b/k.csv", { format: "csv" }),
    ],
    ["directory, guessed", new FlyteDirectory("s3://b/d/"), undefined, new FlyteDirectory("s3://b/d/")],
    [
      "uri string under a file type",
      "gs://x/y",
      blobType(BlobType_BlobDimensionality.SINGLE, "txt"),
      new FlyteFile("gs://x/y", { format: "txt" }),
    ],
    ["data frame", new DataFrame("bq://p:d.t"), structuredDatasetType(), new DataFrame("bq://p:d.t")],
    [
      "uri string under a dataframe type",
      "s3://b/p/",
      structuredDatasetType("parquet"),
      new DataFrame("s3://b/p/", { format: "parquet" }),
    ],
    ["list", [1, 2, 3], collectionType(INT), [1, 2, 3]],
    ["empty list", [], collectionType(STRING), []],
    ["nested lists", [[1], [], [2, 3]], collectionType(collectionType(INT)), [[1], [], [2, 3]]],
    ["typed map from a plain object", { a: 1, b: 2 }, mapType(INT), { a: 1, b: 2 }],
    ["typed map from a Map", new Map([["k", "v"]]), mapType(STRING), { k: "v" }],
    ["guessed Map becomes a plain object", new Map([["k", [true]]]), undefined, { k: [true] }],
    ["map with an odd key", { "a b": 1, __proto__x: 2 }, mapType(INT), { "a b": 1, __proto__x: 2 }],
    [
      "Struct",
      { a: 1, b: "two", c: [null, { d: true }] },
      STRUCT,
      { a: 1, b: "two", c: [null, { d: true }] },
    ],
    ["guessed plain object", { x: { y: [1.5] } }, undefined, { x: { y: [1.5] } }],
    [
      "msgpack JSON object",
      { a: 1, big: 2n ** 62n + 1n, nested: { l: ["x", null] } },
      jsonObjectType(),
      { a: 1, big: 2n ** 62n + 1n, nested: { l: ["x", null] } },
    ],
    [
      "msgpack bytes inside JSON",
      { raw: Uint8Array.of(0, 255) },
      jsonObjectType(),
      { raw: Uint8Array.of(0, 255) },
    ],
    ["BINARY type, any JSON value", [1, "a"], simpleType(SimpleType.BINARY), [1, "a"]],
    [
      "raw binary",
      new RawBinary(Uint8Array.of(9, 8), "pickle"),
      undefined,
      new RawBinary(Uint8Array.of(9, 8), "pickle"),
    ],
    ["optional with a value", 4, unionType([INT, NONE]), 4],
    ["optional without", null, unionType([INT, NONE]), null],
    ["union picks the string variant", "s", unionType([INT, STRING]), "s"],
    ["enum", "red", enumType(["red", "green"]), "red"],
    ["list of optional", [1, null], collectionType(unionType([INT, NONE])), [1, null]],
    ["map of lists of structs", { a: [{ x: 1 }] }, mapType(collectionType(STRUCT)), { a: [{ x: 1 }] }],
    ["guessed mixed list", [1, "a", null], undefined, [1, "a", null]],
  ];

  it.each(cases)("%s", (_name, value, type, expected) => {
    expect(roundTrip(value, type)).toStrictEqual(expected);
  });

  it("decodes integers as number or bigint by safety", () => {
    expect(typeof roundTrip(2 ** 53 - 1, INT)).toBe("number");
    expect(typeof roundTrip(2n ** 53n, INT)).toBe("bigint");
  });
});

describe("type-directed encoding", () => {
  it("writes an integral number as a float under FLOAT and as an integer when guessed", () => {
    expect(toLiteral(3, FLOAT).value).toMatchObject({
      value: { value: { value: { value: { $case: "floatValue", value: 3 } } } },
    });
    expect(toLiteral(3).value).toMatchObject({
      value: { value: { value: { value: { $case: "integer", value: 3n } } } },
    });
    expect(toLiteral(new Float(3)).value).toMatchObject({
      value: { value: { value: { value: { $case: "floatValue" } } } },
    });
  });

  it("encodes a bare STRUCT as a Struct and an annotated or schema-carrying one as msgpack", () => {
    expect(scalarCase(toLiteral({ a: 1 }, STRUCT))).toBe("generic");
    expect(scalarCase(toLiteral({ a: 1 }, jsonObjectType()))).toBe("binary");
    const dataclass: LiteralType = {
      type: { $case: "simple", value: SimpleType.STRUCT },
      metadata: { title: "DC", type: "object" },
    };
    expect(scalarCase(toLiteral({ a: 1 }, dataclass))).toBe("binary");
    const structured: LiteralType = { ...STRUCT, structure: { tag: "DC", dataclassType: {} } };
    expect(scalarCase(toLiteral({ a: 1 }, structured))).toBe("binary");
    const protobufMessage: LiteralType = { ...STRUCT, metadata: { pb_type: "pkg.Msg" } };
    expect(scalarCase(toLiteral({ a: 1 }, protobufMessage))).toBe("generic");
  });

  it("turns Dates inside JSON into ISO strings and drops undefined properties", () => {
    const when = new Date("2020-01-02T03:04:05.006Z");
    expect(roundTrip({ when, gone: undefined, list: [undefined] }, STRUCT)).toEqual({
      when: when.toISOString(),
      list: [null],
    });
    expect(roundTrip({ when }, jsonObjectType())).toEqual({ when: when.toISOString() });
  });

  it("keeps a union's chosen variant type, exact kind first", () => {
    const literal = toLiteral(2, unionType([FLOAT, INT]));
    const union =
      literal.value?.$case === "scalar" && literal.value.value.value?.$case === "union"
        ? literal.value.value.value.value
        : undefined;
    expect(union?.type).toEqual(INT);
    const fallback = toLiteral(2.5, unionType([STRING, FLOAT]));
    const chosen =
      fallback.value?.$case === "scalar" && fallback.value.value.value?.$case === "union"
        ? fallback.value.value.value.value.type
        : undefined;
    expect(chosen).toEqual(FLOAT);
    // No exact variant: the first that accepts the value wins.
    const widened = toLiteral(2, unionType([STRING, FLOAT]));
    expect(widened.value).toMatchObject({ value: { value: { value: { type: FLOAT } } } });
  });

  it("takes the file's own format over the declared one, and the declared one when the file has none", () => {
    const typed = blobType(BlobType_BlobDimensionality.SINGLE, "csv");
    expect(roundTrip(new FlyteFile("s3://a"), typed)).toStrictEqual(
      new FlyteFile("s3://a", { format: "csv" }),
    );
    expect(roundTrip(new FlyteFile("s3://a", { format: "json" }), typed)).toStrictEqual(
      new FlyteFile("s3://a", { format: "json" }),
    );
  });

  it("keeps data frame columns, from the value or from the declared type", () => {
    const columns = [{ name: "n", type: INT }];
    const decoded = roundTrip(new DataFrame("s3://t", { columns }));
    expect(decoded).toBeInstanceOf(DataFrame);
    expect(decoded).toEqual(new DataFrame("s3://t", { columns }));
    const declared = structuredDatasetType("parquet", [{ name: "s", literalType: STRING }]);
    expect(roundTrip("s3://t", declared)).toEqual(
      new DataFrame("s3://t", { format: "parquet", columns: [{ name: "s", type: STRING }] }),
    );
    // A type token works as a column type.
    const tokenColumn = new DataFrame("s3://t", { columns: [{ name: "f", type: { literalType: FLOAT } }] });
    expect(roundTrip(tokenColumn)).toEqual(
      new DataFrame("s3://t", { columns: [{ name: "f", type: FLOAT }] }),
    );
  });
});

describe("type-directed decoding", () => {
  it("reads an integer literal under FLOAT as a number", () => {
    expect(fromLiteral(toLiteral(7), FLOAT)).toBe(7);
  });

  it("unwraps a union literal where a plain type is declared", () => {
    expect(fromLiteral(toLiteral(7, unionType([INT, NONE])), INT)).toBe(7);
  });

  it("reads a none literal under an optional as null, without a union wrapper", () => {
    expect(fromLiteral(toLiteral(null), unionType([INT, NONE]))).toBeNull();
    expect(fromLiteral(toLiteral(5), unionType([NONE, INT]))).toBe(5);
  });

  it("reads msgpack scalars (Flyte's attribute access) under simple types", () => {
    const msgpackOf = (value: unknown) => toLiteral(value, simpleType(SimpleType.BINARY));
    expect(fromLiteral(msgpackOf(5), INT)).toBe(5);
    expect(fromLiteral(msgpackOf("s"), STRING)).toBe("s");
    expect(fromLiteral(msgpackOf(1.5), FLOAT)).toBe(1.5);
    expect(fromLiteral(msgpackOf(true), simpleType(SimpleType.BOOLEAN))).toBe(true);
    expect(fromLiteral(msgpackOf({ a: 1 }), STRUCT)).toEqual({ a: 1 });
  });

  it("reads a Struct where msgpack is declared (the console sends Structs)", () => {
    expect(fromLiteral(toLiteral({ a: "b" }, STRUCT), jsonObjectType())).toEqual({ a: "b" });
  });

  it("uses the declared dimensionality for blobs", () => {
    const literal = toLiteral(new FlyteFile("s3://x"));
    expect(fromLiteral(literal, blobType(BlobType_BlobDimensionality.MULTIPART))).toStrictEqual(
      new FlyteDirectory("s3://x"),
    );
  });
});

describe("guessLiteralType", () => {
  const guesses: Array<[string, unknown, string]> = [
    ["safe integer", 1, "integer"],
    ["fractional number", 1.5, "float"],
    ["unsafe integral number", 2 ** 60, "float"],
    ["bigint", 1n, "integer"],
    ["Float", float(1), "float"],
    ["string", "s", "string"],
    ["boolean", false, "boolean"],
    ["Date", new Date(0), "datetime"],
    ["Duration", Duration.ofSeconds(1), "duration"],
    ["null", null, "none"],
    ["file", new FlyteFile("u"), "file"],
    ["directory", new FlyteDirectory("u"), "directory"],
    ["data frame", new DataFrame("u"), "dataframe"],
    ["raw binary", new RawBinary(new Uint8Array(), "t"), "binary"],
    ["plain object", { a: 1 }, "struct"],
    ["list of integers", [1, 2], "list<integer>"],
    ["integers and floats widen to float", [1, 2.5], "list<float>"],
    ["mixed list becomes a union", [1, "a", null], "list<union<integer | string | none>>"],
    ["empty list", [], "list<none>"],
    ["Map", new Map([["a", [1]]]), "map<string, list<integer>>"],
    ["nested structs", [{ a: 1 }, { b: 2 }], "list<struct>"],
  ];

  it.each(guesses)("%s", (_name, value, expected) => {
    expect(describeType(guessLiteralType(value))).toBe(expected);
  });

  it("keeps the blob format", () => {
    expect(guessLiteralType(new FlyteFile("u", { format: "csv" }))).toEqual(
      blobType(BlobType_BlobDimensionality.SINGLE, "csv"),
    );
  });
});
