/** The generated codecs' reader and writer come from protobuf-wire, not the `@bufbuild/protobuf/wire` entry. */
import * as entry from "@bufbuild/protobuf/wire";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { BinaryReader, BinaryWriter } from "../src/protobuf-wire";

it("is the wire entry's own reader and writer (the same classes, however reached), and they round-trip", () => {
  expect(BinaryWriter).toBe(entry.BinaryWriter);
  expect(BinaryReader).toBe(entry.BinaryReader);
  const bytes = new BinaryWriter().uint32(8).int32(-7).uint32(18).string("héllo").finish();
  const reader = new BinaryReader(bytes);
  expect([reader.tag(), reader.int32(), reader.tag(), reader.string()]).toEqual([
    [1, 0],
    -7,
    [2, 2],
    "héllo",
  ]);
});

it("is what every generated file imports", () => {
  const gen = path.join(__dirname, "../src/gen");
  const files = readdirSync(gen, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
  const codecs = files.filter((f) => readFileSync(path.join(gen, f), "utf8").includes("BinaryWriter"));
  expect(codecs.length).toBeGreaterThan(20);
  for (const file of codecs) {
    const text = readFileSync(path.join(gen, file), "utf8");
    expect({ file, entry: text.includes("@bufbuild/protobuf/wire") }).toEqual({ file, entry: false });
    expect(text).toMatch(/from "(\.\.\/)+protobuf-wire";/);
  }
});
