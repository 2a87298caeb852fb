/**
 * Our conversion against the upstream wire model: literals we build are read back by the protobuf-es
 * decoder from @flyteorg/flyteidl2 (what every other Flyte 2 client uses), and literals it builds are
 * read by our decoder and converted to natives.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { PrimitiveSchema, ScalarSchema } from "@flyteorg/flyteidl2/flyteidl2/core/literals_pb.ts";
import { BlobType_BlobDimensionality, SimpleType } from "@flyteorg/flyteidl2/flyteidl2/core/types_pb.ts";
import {
  DataFrame,
  Duration,
  FlyteDirectory,
  FlyteFile,
  RawBinary,
  float,
  fromLiteral,
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
import {
  SimpleType as OurSimpleType,
  BlobType_BlobDimensionality as OurDim,
} from "../../src/gen/flyteidl2/core/types";
import { fromUpstream, hex, upstreamView } from "./helpers";

/** The upstream view of a scalar literal's oneof, asserting it is a scalar. */
function upstreamScalar(value: unknown, type?: Parameters<typeof toLiteral>[1]) {
  const view = upstreamView(toLiteral(value, type));
  if (view.value.case !== "scalar") throw new Error(`expected a scalar, got ${view.value.case}`);
  return view.value.value.value;
}

function upstreamPrimitive(value: unknown, type?: Parameters<typeof toLiteral>[1]) {
  const scalar = upstreamScalar(value, type);
  if (scalar.case !== "primitive") throw new Error(`expected a primitive, got ${scalar.case}`);
  return scalar.value.value;
}

type PrimitiveInit = NonNullable<MessageInitShape<typeof PrimitiveSchema>["value"]>;
type ScalarInit = NonNullable<MessageInitShape<typeof ScalarSchema>["value"]>;

const primitive = (value: PrimitiveInit) => ({
  value: { case: "scalar" as const, value: { value: { case: "primitive" as const, value: { value } } } },
});
const scalar = (value: ScalarInit) => ({ value: { case: "scalar" as const, value: { value } } });

describe("ours → upstream decoder", () => {
  it("integers: safe numbers and bigints beyond 2^53 as int64", () => {
    expect(upstreamPrimitive(42)).toEqual({ case: "integer", value: 42n });
    expect(upstreamPrimitive(-7, simpleType(OurSimpleType.INTEGER))).toEqual({ case: "integer", value: -7n });
    expect(upstreamPrimitive(2n ** 62n + 1n)).toEqual({ case: "integer", value: 2n ** 62n + 1n });
    expect(upstreamPrimitive(-(2n ** 63n))).toEqual({ case: "integer", value: -(2n ** 63n) });
  });

  it("floats: non-integral numbers, Float wrappers, and integral numbers under a FLOAT type", () => {
    expect(upstreamPrimitive(2.5)).toEqual({ case: "floatValue", value: 2.5 });
    expect(upstreamPrimitive(float(3))).toEqual({ case: "floatValue", value: 3 });
    expect(upstreamPrimitive(3, simpleType(OurSimpleType.FLOAT))).toEqual({ case: "floatValue", value: 3 });
  });

  it("strings and booleans", () => {
    expect(upstreamPrimitive("héllo")).toEqual({ case: "stringValue", value: "héllo" });
    expect(upstreamPrimitive(false)).toEqual({ case: "boolean", value: false });
  });

  it("datetimes as Timestamp seconds and nanos", () => {
    const value = upstreamPrimitive(new Date("2024-05-06T07:08:09.123Z"));
    expect(value.case).toBe("datetime");
    expect(value.value).toMatchObject({ seconds: 1714979289n, nanos: 123_000_000 });
    const before = upstreamPrimitive(new Date(-1500));
    expect(before.value).toMatchObject({ seconds: -2n, nanos: 500_000_000 });
  });

  it("durations as Duration seconds and nanos", () => {
    const value = upstreamPrimitive(Duration.ofMillis(90_500));
    expect(value.case).toBe("duration");
    expect(value.value).toMatchObject({ seconds: 90n, nanos: 500_000_000 });
  });

  it("none as Void", () => {
    expect(upstreamScalar(null).case).toBe("noneType");
    expect(upstreamScalar(undefined, simpleType(OurSimpleType.NONE)).case).toBe("noneType");
  });

  it("files and directories as blobs with their dimensionality and format", () => {
    const file = upstreamScalar(new FlyteFile("s3://b/f.csv", { format: "csv" }));
    expect(file.case).toBe("blob");
    expect(file.value).toMatchObject({
      uri: "s3://b/f.csv",
      metadata: { type: { format: "csv", dimensionality: BlobType_BlobDimensionality.SINGLE } },
    });
    const dir = upstreamScalar("s3://b/dir/", blobType(OurDim.MULTIPART, "parquet"));
    expect(dir.value).toMatchObject({
      uri: "s3://b/dir/",
      metadata: { type: { format: "parquet", dimensionality: BlobType_BlobDimensionality.MULTIPART } },
    });
  });

  it("data frames as structured datasets with format and columns", () => {
    const frame = new DataFrame("bq://p:d.t", {
      columns: [{ name: "n", type: simpleType(OurSimpleType.INTEGER) }],
    });
    const value = upstreamScalar(frame, structuredDatasetType("parquet"));
    expect(value.case).toBe("structuredDataset");
    expect(value.value).toMatchObject({
      uri: "bq://p:d.t",
      metadata: {
        structuredDatasetType: {
          format: "parquet",
          columns: [{ name: "n", literalType: { type: { case: "simple", value: SimpleType.INTEGER } } }],
        },
      },
    });
  });

  it("lists and maps as collections and literal maps", () => {
    const list = upstreamView(toLiteral([1, 2], collectionType(simpleType(OurSimpleType.INTEGER))));
    expect(list.value.case).toBe("collection");
    const items = list.value.case === "collection" ? list.value.value.literals : [];
    expect(items.map((l) => (l.value.case === "scalar" ? l.value.value.value.value : undefined))).toEqual([
      expect.objectContaining({ value: { case: "integer", value: 1n } }),
      expect.objectContaining({ value: { case: "integer", value: 2n } }),
    ]);
    const map = upstreamView(toLiteral(new Map([["a", "x"]])));
    expect(map.value.case).toBe("map");
    const entry = map.value.case === "map" ? map.value.value.literals.a : undefined;
    expect(entry?.value).toMatchObject({ case: "scalar", value: { value: { case: "primitive" } } });
  });

  it("plain objects as a Struct when guessed", () => {
    const value = upstreamScalar({ a: 1, b: [true, null, "s"], c: { d: 2.5 } });
    expect(value).toEqual({ case: "generic", value: { a: 1, b: [true, null, "s"], c: { d: 2.5 } } });
  });

  it("JSON objects as msgpack Binary when the type carries the msgpack annotation, byte-for-byte as Python's msgpack", () => {
    const value = upstreamScalar(
      { n: 2 ** 40, big: 2n ** 62n + 1n, f: 1.5, neg: -(2 ** 40), l: [1, null, true] },
      jsonObjectType(),
    );
    expect(value.case).toBe("binary");
    if (value.case !== "binary") return;
    expect(value.value.tag).toBe("msgpack");
    expect(Buffer.from(value.value.value).toString("hex")).toBe(
      Buffer.from(
        hex(`85 a16e cf0000010000000000 a3626967 cf4000000000000001 a166 cb3ff8000000000000
             a36e6567 d3ffffff0000000000 a16c 9301c0c3`),
      ).toString("hex"),
    );
  });

  it("unions with the chosen variant as the union's type", () => {
    const optionalInt = unionType([simpleType(OurSimpleType.INTEGER), simpleType(OurSimpleType.NONE)]);
    const some = upstreamScalar(5, optionalInt);
    expect(some.case).toBe("union");
    expect(some.value).toMatchObject({
      value: {
        value: {
          case: "scalar",
          value: { value: { case: "primitive", value: { value: { case: "integer", value: 5n } } } },
        },
      },
      type: { type: { case: "simple", value: SimpleType.INTEGER } },
    });
    const none = upstreamScalar(null, optionalInt);
    expect(none.value).toMatchObject({
      value: { value: { case: "scalar", value: { value: { case: "noneType" } } } },
      type: { type: { case: "simple", value: SimpleType.NONE } },
    });
  });

  it("enums as string primitives", () => {
    expect(upstreamPrimitive("b", enumType(["a", "b"]))).toEqual({ case: "stringValue", value: "b" });
  });

  it("raw binaries with their own tag", () => {
    const value = upstreamScalar(new RawBinary(Uint8Array.of(1, 2, 3), "pickle"));
    expect(value).toMatchObject({ case: "binary", value: { tag: "pickle", value: Uint8Array.of(1, 2, 3) } });
  });
});

describe("upstream encoder → ours → native", () => {
  it("integers, narrowed to numbers only when safe", () => {
    expect(fromLiteral(fromUpstream(primitive({ case: "integer", value: 7n })))).toBe(7);
    expect(fromLiteral(fromUpstream(primitive({ case: "integer", value: 2n ** 62n + 1n })))).toBe(
      2n ** 62n + 1n,
    );
    expect(fromLiteral(fromUpstream(primitive({ case: "integer", value: -(2n ** 53n) })))).toBe(-(2n ** 53n));
  });

  it("floats, strings, booleans", () => {
    expect(fromLiteral(fromUpstream(primitive({ case: "floatValue", value: 0.1 })))).toBe(0.1);
    expect(fromLiteral(fromUpstream(primitive({ case: "stringValue", value: "s" })))).toBe("s");
    expect(fromLiteral(fromUpstream(primitive({ case: "boolean", value: true })))).toBe(true);
  });

  it("datetimes and durations", () => {
    const date = fromLiteral(
      fromUpstream(primitive({ case: "datetime", value: { seconds: 1714979289n, nanos: 123_456_789 } })),
    );
    expect(date).toEqual(new Date("2024-05-06T07:08:09.123Z"));
    const duration = fromLiteral(
      fromUpstream(primitive({ case: "duration", value: { seconds: -3n, nanos: -250_000_000 } })),
    );
    expect(duration).toBeInstanceOf(Duration);
    expect((duration as Duration).toMillis()).toBe(-3250);
  });

  it("none", () => {
    expect(fromLiteral(fromUpstream(scalar({ case: "noneType", value: {} })))).toBeNull();
  });

  it("blobs by dimensionality", () => {
    const file = fromLiteral(
      fromUpstream(
        scalar({
          case: "blob",
          value: {
            uri: "gs://b/f",
            metadata: { type: { format: "csv", dimensionality: BlobType_BlobDimensionality.SINGLE } },
          },
        }),
      ),
    );
    expect(file).toStrictEqual(new FlyteFile("gs://b/f", { format: "csv" }));
    const dir = fromLiteral(
      fromUpstream(
        scalar({
          case: "blob",
          value: {
            uri: "gs://b/d",
            metadata: { type: { dimensionality: BlobType_BlobDimensionality.MULTIPART } },
          },
        }),
      ),
    );
    expect(dir).toStrictEqual(new FlyteDirectory("gs://b/d"));
  });

  it("structured datasets", () => {
    const frame = fromLiteral(
      fromUpstream(
        scalar({
          case: "structuredDataset",
          value: { uri: "bq://p:d.t", metadata: { structuredDatasetType: { format: "parquet" } } },
        }),
      ),
    );
    expect(frame).toStrictEqual(new DataFrame("bq://p:d.t", { format: "parquet" }));
  });

  it("generic Structs", () => {
    const value = fromLiteral(
      fromUpstream(scalar({ case: "generic", value: { a: [1, "x", null], b: { c: false } } })),
    );
    expect(value).toEqual({ a: [1, "x", null], b: { c: false } });
  });

  it("msgpack Binary written by Python's msgpack", () => {
    const bytes = hex(`85 a16e cf0000010000000000 a3626967 cf4000000000000001 a166 cb3ff8000000000000
                       a36e6567 d3ffffff0000000000 a16c 9301c0c3`);
    const value = fromLiteral(
      fromUpstream(scalar({ case: "binary", value: { value: bytes, tag: "msgpack" } })),
      jsonObjectType(),
    );
    expect(value).toEqual({ n: 2 ** 40, big: 2n ** 62n + 1n, f: 1.5, neg: -(2 ** 40), l: [1, null, true] });
  });

  it("collections and maps, nested", () => {
    const literal = fromUpstream({
      value: {
        case: "map",
        value: {
          literals: {
            xs: {
              value: {
                case: "collection",
                value: {
                  literals: [
                    primitive({ case: "integer", value: 1n }),
                    primitive({ case: "integer", value: 2n }),
                  ],
                },
              },
            },
            name: primitive({ case: "stringValue", value: "n" }),
          },
        },
      },
    });
    expect(fromLiteral(literal)).toEqual({ xs: [1, 2], name: "n" });
    const typed = fromLiteral(
      literal,
      mapType(
        unionType([collectionType(simpleType(OurSimpleType.INTEGER)), simpleType(OurSimpleType.STRING)]),
      ),
    );
    expect(typed).toEqual({ xs: [1, 2], name: "n" });
  });

  it("unions, unwrapped", () => {
    const literal = fromUpstream(
      scalar({
        case: "union",
        value: {
          value: primitive({ case: "stringValue", value: "v" }),
          type: { type: { case: "simple", value: SimpleType.STRING } },
        },
      }),
    );
    expect(fromLiteral(literal)).toBe("v");
    expect(
      fromLiteral(literal, unionType([simpleType(OurSimpleType.INTEGER), simpleType(OurSimpleType.STRING)])),
    ).toBe("v");
  });

  it("enums", () => {
    expect(
      fromLiteral(fromUpstream(primitive({ case: "stringValue", value: "b" })), enumType(["a", "b"])),
    ).toBe("b");
  });
});
