/**
 * The protobuf binary reader and writer the generated codecs use: `BinaryReader` and `BinaryWriter` of
 * `@bufbuild/protobuf/wire`, loaded from the file that defines them. The package's `wire` entry also
 * loads its size-delimited stream helpers, which pull in protobuf-es's whole reflection runtime — ~15 ms
 * of every server start, for code the codecs never call. tools/proto points the generated files here.
 *
 * The file is found beside the entry Node resolves, so it is the very module the entry re-exports (one
 * class, whichever way it is reached). Should a release move it, the entry itself is loaded: slower to
 * start, the same classes.
 */
import path from "node:path";
import type * as Wire from "@bufbuild/protobuf/wire";

type Codec = Pick<typeof Wire, "BinaryReader" | "BinaryWriter">;

function load(): Codec {
  /* eslint-disable @typescript-eslint/no-require-imports */
  try {
    const entry = require.resolve("@bufbuild/protobuf/wire");
    const codec = require(path.join(path.dirname(entry), "binary-encoding.js")) as Partial<Codec>;
    if (typeof codec.BinaryReader === "function" && typeof codec.BinaryWriter === "function")
      return codec as Codec;
  } catch {
    // not where this release keeps it: the entry below
  }
  return require("@bufbuild/protobuf/wire") as Codec;
  /* eslint-enable @typescript-eslint/no-require-imports */
}

const codec = load();

export const BinaryReader: typeof Wire.BinaryReader = codec.BinaryReader;
export type BinaryReader = Wire.BinaryReader;
export const BinaryWriter: typeof Wire.BinaryWriter = codec.BinaryWriter;
export type BinaryWriter = Wire.BinaryWriter;
