/**
 * Every value or literal the converters refuse: each is a bad request whose message names the path.
 */
import { Literal } from "../../src/gen/flyteidl2/core/literals";
import {
  BlobType_BlobDimensionality,
  type LiteralType,
  SimpleType,
} from "../../src/gen/flyteidl2/core/types";
import {
  Duration,
  FlyteFile,
  FlyteDirectory,
  float,
  fromLiteral,
  guessLiteralType,
  toLiteral,
} from "../../src/literals";
import {
  blobType,
  collectionType,
  enumType,
  jsonObjectType,
  mapType,
  simpleType,
  structuredDatasetType,
  unionType,
} from "../../src/literals/literal-types";
import { expectBadRequest } from "./helpers";

const INT = simpleType(SimpleType.INTEGER);
const STRING = simpleType(SimpleType.STRING);
const STRUCT = simpleType(SimpleType.STRUCT);
const NONE = simpleType(SimpleType.NONE);

function literal(value: Literal["value"]): Literal {
  return { value, hash: "", metadata: {} };
}

function scalar(
  value: NonNullable<Literal["value"]> extends infer L
    ? L extends { $case: "scalar"; value: infer S }
      ? S
      : never
    : never,
): Literal {
  return literal({ $case: "scalar", value });
}

class Custom {
  readonly x = 1;
}

describe("encoding errors", () => {
  it("rejects an unsafe integer number instead of rounding it, and accepts the bigint", () => {
    const error = expectBadRequest(
      () => toLiteral(2 ** 62 + 1, INT, "inputs.count"),
      "inputs.count",
      /loses precision; pass a bigint/,
    );
    expect(error.details).toEqual({ input: "count", path: "inputs.count" });
    expect(toLiteral(2n ** 62n + 1n, INT).value).toMatchObject({
      value: { value: { value: { value: { value: 2n ** 62n + 1n } } } },
    });
  });

  it("rejects non-integers, Floats and out-of-range bigints for INTEGER", () => {
    expectBadRequest(() => toLiteral(1.5, INT, "inputs.n"), "inputs.n", /expected an integer/);
    expectBadRequest(() => toLiteral(float(2), INT, "inputs.n"), "inputs.n", /expected integer, got a Float/);
    expectBadRequest(() => toLiteral(2n ** 63n, INT, "inputs.n"), "inputs.n", /int64 range/);
    expectBadRequest(() => toLiteral("3", INT, "inputs.n"), "inputs.n", /expected integer, got a string/);
  });

  it("rejects null for a type that is not optional", () => {
    expectBadRequest(() => toLiteral(null, STRING, "inputs.s"), "inputs.s", /expected string, got null/);
    expectBadRequest(
      () => toLiteral(undefined, collectionType(INT), "inputs.l"),
      "inputs.l",
      /got undefined/,
    );
    expectBadRequest(() => toLiteral(0, NONE, "inputs.z"), "inputs.z", /expected none/);
  });

  it("rejects wrong kinds for floats, booleans, datetimes, durations", () => {
    expectBadRequest(() => toLiteral(1n, simpleType(SimpleType.FLOAT), "v.f"), "v.f", /expected float/);
    expectBadRequest(
      () => toLiteral("true", simpleType(SimpleType.BOOLEAN), "v.b"),
      "v.b",
      /expected boolean/,
    );
    expectBadRequest(
      () => toLiteral("2020-01-01", simpleType(SimpleType.DATETIME), "v.d"),
      "v.d",
      /expected datetime/,
    );
    expectBadRequest(
      () => toLiteral(new Date("nope"), simpleType(SimpleType.DATETIME), "v.d"),
      "v.d",
      /invalid Date/,
    );
    expectBadRequest(
      () => toLiteral(1000, simpleType(SimpleType.DURATION), "v.t"),
      "v.t",
      /expected duration/,
    );
  });

  it("rejects an enum value outside the set, listing the allowed values", () => {
    expectBadRequest(
      () => toLiteral("blue", enumType(["red", "green"]), "inputs.color"),
      "inputs.color",
      /"blue" is not one of the allowed values: red, green/,
    );
    expectBadRequest(
      () => toLiteral(1, enumType(["red"]), "inputs.color"),
      "inputs.color",
      /expected enum \[red\]/,
    );
  });

  it("names the path inside a value for unsupported natives", () => {
    const config = { items: [1, 2, () => 3] };
    const error = expectBadRequest(
      () => toLiteral(config.items, undefined, "inputs.config.items"),
      "inputs.config.items[2]",
      /a function/,
    );
    expect(error.details).toEqual({ input: "config", path: "inputs.config.items[2]" });
    expectBadRequest(
      () => toLiteral({ items: [1, 2, new Custom()] }, undefined, "inputs.config"),
      "inputs.config.items[2]",
      /a Custom/,
    );
    expectBadRequest(
      () => toLiteral(new Map([["k", Symbol("s")]]), undefined, "inputs.m"),
      "inputs.m.k",
      /a symbol/,
    );
    expectBadRequest(() => guessLiteralType(new Custom(), "outputs.x"), "outputs.x", /a Custom/);
    expectBadRequest(
      () => toLiteral({ "odd key": [new Custom()] }, STRUCT, "inputs.s"),
      'inputs.s["odd key"][0]',
    );
  });

  it("rejects JSON a Struct or msgpack cannot hold", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expectBadRequest(() => toLiteral(cyclic, STRUCT, "inputs.c"), "inputs.c.self", /circular/);
    expectBadRequest(
      () => toLiteral({ big: 2n ** 60n }, STRUCT, "inputs.c"),
      "inputs.c.big",
      /cannot be stored exactly in a Struct/,
    );
    expectBadRequest(
      () => toLiteral({ n: Number.POSITIVE_INFINITY }, STRUCT, "inputs.c"),
      "inputs.c.n",
      /Infinity/,
    );
    expectBadRequest(
      () => toLiteral({ b: Uint8Array.of(1) }, STRUCT, "inputs.c"),
      "inputs.c.b",
      /Uint8Array/,
    );
    expectBadRequest(
      () => toLiteral({ big: 2n ** 64n }, jsonObjectType(), "inputs.c"),
      "inputs.c.big",
      /64-bit/,
    );
    expectBadRequest(
      () => toLiteral({ f: new FlyteFile("s3://x") }, jsonObjectType(), "inputs.c"),
      "inputs.c.f",
      /FlyteFile/,
    );
    expectBadRequest(() => toLiteral([1], STRUCT, "inputs.c"), "inputs.c", /expected struct, got an array/);
  });

  it("rejects Maps with non-string keys", () => {
    expectBadRequest(
      () => toLiteral(new Map([[1, "a"]]), mapType(STRING), "inputs.m"),
      "inputs.m",
      /map keys must be strings/,
    );
    expectBadRequest(
      () => toLiteral(new Map([[1, "a"]]), undefined, "inputs.m"),
      "inputs.m",
      /map keys must be strings/,
    );
  });

  it("rejects a value that fits no union variant", () => {
    expectBadRequest(
      () => toLiteral(true, unionType([INT, STRING]), "inputs.u"),
      "inputs.u",
      /matches no variant of union<integer \| string>/,
    );
    expectBadRequest(
      () => toLiteral(null, unionType([INT, STRING]), "inputs.u"),
      "inputs.u",
      /matches no variant/,
    );
  });

  it("rejects bad blobs and data frames", () => {
    const file = blobType(BlobType_BlobDimensionality.SINGLE);
    const dir = blobType(BlobType_BlobDimensionality.MULTIPART);
    expectBadRequest(() => toLiteral("", file, "outputs.results"), "outputs.results", /non-empty string/);
    expectBadRequest(
      () => toLiteral(new FlyteFile(undefined as unknown as string), undefined, "outputs.r"),
      "outputs.r",
      /non-empty/,
    );
    expectBadRequest(
      () => toLiteral(new FlyteFile("s3://x"), dir, "outputs.results"),
      "outputs.results",
      /expected directory, got a FlyteFile/,
    );
    expectBadRequest(
      () => toLiteral(new FlyteDirectory("s3://x"), file, "outputs.results"),
      "outputs.results",
      /expected file/,
    );
    expectBadRequest(
      () => toLiteral(42, structuredDatasetType(), "outputs.df"),
      "outputs.df",
      /expected dataframe/,
    );
  });

  it("rejects types it does not support", () => {
    expectBadRequest(
      () => toLiteral(1, { type: { $case: "schema", value: { columns: [] } } }, "inputs.s"),
      "inputs.s",
      /schema types are not supported/,
    );
    expectBadRequest(
      () => toLiteral(1, simpleType(SimpleType.ERROR), "inputs.e"),
      "inputs.e",
      /not supported/,
    );
  });
});

describe("decoding errors", () => {
  it("rejects offloaded literals, naming the input and the uri", () => {
    const offloaded = literal({
      $case: "offloadedMetadata",
      value: { uri: "s3://bucket/off/x.pb", sizeBytes: 10n },
    });
    const error = expectBadRequest(
      () => fromLiteral(offloaded, INT, "inputs.x"),
      "inputs.x",
      /offloaded to s3:\/\/bucket\/off\/x\.pb; offloaded literals are not supported/,
    );
    expect(error.details.input).toBe("x");
    const nested = literal({ $case: "collection", value: { literals: [toLiteral(1), offloaded] } });
    expectBadRequest(() => fromLiteral(nested, undefined, "inputs.xs"), "inputs.xs[1]", /offloaded/);
  });

  it("rejects pickled Python objects", () => {
    const pickled: Literal = {
      ...toLiteral({ pickle_file: "s3://p/obj.pkl" }),
      metadata: { format: "pickle" },
    };
    expectBadRequest(
      () => fromLiteral(pickled, undefined, "inputs.obj"),
      "inputs.obj",
      /pickled Python object/,
    );
  });

  it("rejects schema and error literals", () => {
    expectBadRequest(
      () =>
        fromLiteral(scalar({ value: { $case: "schema", value: { uri: "s3://s" } } }), undefined, "inputs.s"),
      "inputs.s",
      /schema literals are not supported/,
    );
    expectBadRequest(
      () =>
        fromLiteral(
          scalar({ value: { $case: "error", value: { failedNodeId: "n1", message: "boom" } } }),
          INT,
          "inputs.e",
        ),
      "inputs.e",
      /error literal from node 'n1': boom/,
    );
  });

  it("rejects empty literals, scalars and primitives", () => {
    expectBadRequest(() => fromLiteral(literal(undefined), undefined, "inputs.a"), "inputs.a", /empty/);
    expectBadRequest(
      () => fromLiteral(scalar({ value: undefined }), undefined, "inputs.a"),
      "inputs.a",
      /empty/,
    );
    expectBadRequest(
      () =>
        fromLiteral(
          scalar({ value: { $case: "primitive", value: { value: undefined } } }),
          undefined,
          "inputs.a",
        ),
      "inputs.a",
      /empty/,
    );
    expectBadRequest(
      () => fromLiteral(scalar({ value: { $case: "union", value: {} } }), undefined, "inputs.u"),
      "inputs.u",
      /no value/,
    );
  });

  it("rejects literals that do not fit the declared type", () => {
    expectBadRequest(
      () => fromLiteral(toLiteral("3"), INT, "inputs.n"),
      "inputs.n",
      /expected integer, got a string literal/,
    );
    expectBadRequest(() => fromLiteral(toLiteral(null), INT, "inputs.n"), "inputs.n", /got a none literal/);
    expectBadRequest(
      () => fromLiteral(toLiteral([1]), mapType(INT), "inputs.m"),
      "inputs.m",
      /expected map<string, integer>, got a list literal/,
    );
    expectBadRequest(
      () => fromLiteral(toLiteral({ a: 1 }), collectionType(INT), "inputs.l"),
      "inputs.l",
      /expected list<integer>, got a struct literal/,
    );
    expectBadRequest(
      () =>
        fromLiteral(
          toLiteral([1, "x"], collectionType(unionType([INT, STRING]))),
          collectionType(INT),
          "inputs.l",
        ),
      "inputs.l[1]",
    );
    expectBadRequest(() => fromLiteral(toLiteral(1.5), INT, "inputs.n"), "inputs.n", /got a float literal/);
    expectBadRequest(
      () => fromLiteral(toLiteral(new FlyteFile("s3://f")), structuredDatasetType(), "inputs.df"),
      "inputs.df",
      /got a file literal/,
    );
    expectBadRequest(
      () => fromLiteral(toLiteral("s3://f"), blobType(BlobType_BlobDimensionality.SINGLE), "inputs.f"),
      "inputs.f",
      /expected file, got a string literal/,
    );
    expectBadRequest(
      () => fromLiteral(toLiteral(true), unionType([INT, STRING]), "inputs.u"),
      "inputs.u",
      /matches no variant/,
    );
  });

  it("rejects an enum value outside the set", () => {
    expectBadRequest(
      () => fromLiteral(toLiteral("blue"), enumType(["red", "green"]), "inputs.c"),
      "inputs.c",
      /allowed values: red, green/,
    );
    expectBadRequest(
      () => fromLiteral(toLiteral(1), enumType(["red"]), "inputs.c"),
      "inputs.c",
      /got an integer literal/,
    );
  });

  it("rejects bad binaries", () => {
    const binary = (bytes: number[], tag: string) =>
      scalar({ value: { $case: "binary", value: { value: Buffer.from(bytes), tag } } });
    expectBadRequest(
      () => fromLiteral(binary([0xc1], "msgpack"), undefined, "inputs.b"),
      "inputs.b",
      /invalid msgpack/,
    );
    expectBadRequest(
      () => fromLiteral(binary([1], "pickle"), STRUCT, "inputs.b"),
      "inputs.b",
      /unsupported binary literal tag "pickle"/,
    );
    expectBadRequest(
      () => fromLiteral(binary([0xa1, 0x78], "msgpack"), INT, "inputs.b"),
      "inputs.b",
      /expected integer, got msgpack/,
    );
    expectBadRequest(
      () => fromLiteral(binary([0x01], "msgpack"), STRUCT, "inputs.b"),
      "inputs.b",
      /expected struct/,
    );
  });

  it("rejects timestamps beyond a Date and malformed durations", () => {
    const timestamp = scalar({
      value: {
        $case: "primitive",
        value: { value: { $case: "datetime", value: { seconds: 10n ** 15n, nanos: 0 } } },
      },
    });
    expectBadRequest(
      () => fromLiteral(timestamp, undefined, "inputs.t"),
      "inputs.t",
      /outside the range of a JavaScript Date/,
    );
    const duration = scalar({
      value: {
        $case: "primitive",
        value: { value: { $case: "duration", value: { seconds: 1n, nanos: -5 } } },
      },
    });
    expectBadRequest(
      () => fromLiteral(duration, simpleType(SimpleType.DURATION), "inputs.d"),
      "inputs.d",
      /invalid duration/,
    );
  });

  it("rejects schema types", () => {
    const schemaType: LiteralType = { type: { $case: "schema", value: { columns: [] } } };
    expectBadRequest(
      () => fromLiteral(toLiteral(1), schemaType, "inputs.s"),
      "inputs.s",
      /schema types are not supported/,
    );
  });
});

describe("Duration", () => {
  it("builds from millis and seconds with matching signs", () => {
    expect(Duration.ofMillis(1500)).toMatchObject({ seconds: 1n, nanos: 500_000_000 });
    expect(Duration.ofMillis(-1500)).toMatchObject({ seconds: -1n, nanos: -500_000_000 });
    expect(Duration.ofSeconds(2n)).toMatchObject({ seconds: 2n, nanos: 0 });
    expect(Duration.ofSeconds(0.000_000_001)).toMatchObject({ seconds: 0n, nanos: 1 });
    expect(Duration.ofMillis(90_061_001).toMillis()).toBe(90_061_001);
    expect(Duration.ofNanos(-1n).toNanos()).toBe(-1n);
    expect(Duration.ofMillis(5).equals(Duration.ofSeconds(0.005))).toBe(true);
  });

  it("refuses parts protobuf would reject", () => {
    expect(() => new Duration(1n, -1)).toThrow(RangeError);
    expect(() => new Duration(0n, 1e9)).toThrow(RangeError);
    expect(() => Duration.ofMillis(Number.NaN)).toThrow(RangeError);
  });
});
