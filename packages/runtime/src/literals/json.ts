/**
 * JSON-like values ↔ the two ways Flyte carries them: a protobuf Struct (`Scalar.generic`) and msgpack
 * bytes (`Scalar.binary` with tag "msgpack", the Python SDK's form for dicts, dataclasses and pydantic).
 */
import type { Decoder, Encoder } from "@msgpack/msgpack";
import { childPath, describeValue, indexPath, badValue } from "./paths";
import { Float } from "./values";

export const MSGPACK_TAG = "msgpack";

/** Where a JSON value is going; they differ in what numbers and bytes they can hold. */
export type JsonTarget = "struct" | "msgpack";

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;
// Outside this range msgpack needs 64-bit integers; see `jsonNumber`.
const INT32_MIN = -(2 ** 31);
const UINT32_LIMIT = 2 ** 32;

/** True for objects created by `{}` / `Object.create(null)`: the only objects JSON has. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

/**
 * Checks a JSON-like value and normalises it for `target`: `Float` unwraps, `Map` (string keys) becomes an
 * object, `Date` becomes its ISO string (as `JSON.stringify` and the Python SDK's msgpack encoder write
 * datetimes), `undefined` properties are dropped and `undefined` elements become null. Anything else
 * (functions, class instances, files, cycles) is a bad request naming the path.
 */
export function toJsonValue(
  value: unknown,
  target: JsonTarget,
  path: string,
  seen = new Set<object>(),
): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "boolean":
    case "string":
      return value;
    case "number":
      return jsonNumber(value, target, path);
    case "bigint":
      return jsonBigint(value, target, path);
  }
  if (value instanceof Float) return jsonNumber(value.value, target, path);
  if (value instanceof Date) return jsonDate(value, path);
  if (value instanceof Uint8Array && target === "msgpack") return value;
  if (typeof value !== "object") throw unsupported(value, path);
  if (seen.has(value)) throw badValue(path, "circular reference in a JSON value");
  seen.add(value);
  try {
    return jsonContainer(value, target, path, seen);
  } finally {
    seen.delete(value);
  }
}

function jsonContainer(value: object, target: JsonTarget, path: string, seen: Set<object>): unknown {
  if (Array.isArray(value))
    return value.map((item, i) => toJsonValue(item, target, indexPath(path, i), seen));
  if (value instanceof Map) return jsonObject(mapEntries(value, path), target, path, seen);
  if (isPlainObject(value)) return jsonObject(Object.entries(value), target, path, seen);
  throw unsupported(value, path);
}

function jsonObject(
  entries: Array<[string, unknown]>,
  target: JsonTarget,
  path: string,
  seen: Set<object>,
): Record<string, unknown> {
  const out: Array<[string, unknown]> = [];
  for (const [key, item] of entries) {
    if (item === undefined) continue;
    out.push([key, toJsonValue(item, target, childPath(path, key), seen)]);
  }
  // fromEntries defines own properties, so a "__proto__" key stays data.
  return Object.fromEntries(out);
}

/** The entries of a `Map` whose keys are all strings. */
export function mapEntries(map: Map<unknown, unknown>, path: string): Array<[string, unknown]> {
  const entries: Array<[string, unknown]> = [];
  for (const [key, item] of map) {
    if (typeof key !== "string") throw badValue(path, `map keys must be strings, got ${describeValue(key)}`);
    entries.push([key, item]);
  }
  return entries;
}

function jsonNumber(value: number, target: JsonTarget, path: string): number | bigint {
  if (target === "struct") {
    if (!Number.isFinite(value)) throw badValue(path, `${value} cannot be stored in a JSON object`);
    return value;
  }
  // The msgpack encoder runs with 64-bit integer support, which would write large safe integers as floats;
  // a bigint keeps them integers, as Python's msgpack writes ints.
  if (Number.isSafeInteger(value) && (value < INT32_MIN || value >= UINT32_LIMIT)) return BigInt(value);
  return value;
}

function jsonBigint(value: bigint, target: JsonTarget, path: string): number | bigint {
  if (target === "struct") {
    const asNumber = Number(value);
    if (!Number.isSafeInteger(asNumber)) {
      throw badValue(
        path,
        `the bigint ${value} cannot be stored exactly in a Struct (its numbers are doubles)`,
      );
    }
    return asNumber;
  }
  if (value < INT64_MIN || value > UINT64_MAX) {
    throw badValue(path, `the bigint ${value} is outside the 64-bit integer range`);
  }
  return value;
}

function jsonDate(value: Date, path: string): string {
  if (Number.isNaN(value.getTime())) throw badValue(path, "invalid Date");
  return value.toISOString();
}

function unsupported(value: unknown, path: string): Error {
  return badValue(
    path,
    `unsupported value (${describeValue(value)}) in a JSON object; JSON holds null, booleans, numbers, ` +
      "strings, arrays and plain objects",
  );
}

// Made on first use: most servers never see a msgpack literal, and start-up need not load the codec.
let codec: { encoder: Encoder; decoder: Decoder } | undefined;
function msgpack(): { encoder: Encoder; decoder: Decoder } {
  if (!codec) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Decoder, Encoder } = require("@msgpack/msgpack") as typeof import("@msgpack/msgpack");
    codec = {
      encoder: new Encoder({ useBigInt64: true, ignoreUndefined: true }),
      decoder: new Decoder({ useBigInt64: true }),
    };
  }
  return codec;
}

/** A checked JSON value as msgpack bytes. */
export function encodeMsgpack(value: unknown, path: string): Buffer {
  const json = toJsonValue(value, "msgpack", path);
  return Buffer.from(msgpack().encoder.encode(json));
}

/**
 * Msgpack bytes as JavaScript values. 64-bit integers come back as numbers when safe and bigints otherwise,
 * the same rule as integer literals.
 */
export function decodeMsgpack(bytes: Uint8Array, path: string): unknown {
  let decoded: unknown;
  try {
    decoded = msgpack().decoder.decode(bytes);
  } catch (error) {
    throw badValue(path, `invalid msgpack: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  return normalizeDecoded(decoded);
}

/** Narrows safe bigints to numbers and copies byte strings out of the literal's buffer. */
function normalizeDecoded(value: unknown): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(normalizeDecoded);
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeDecoded(v)]));
  }
  return value;
}
