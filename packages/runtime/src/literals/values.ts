/**
 * Native value classes for the Flyte types JavaScript has no built-in for: files, directories, data frames,
 * durations, floats that happen to be integral, and opaque binary payloads.
 *
 * They hold references (URIs), never data: a connector passes them through to the external system.
 */
import type { LiteralType } from "../gen/flyteidl2/core/types";

/** Options shared by the blob classes. */
export interface BlobOptions {
  /** The blob's format (`"csv"`, `"parquet"`, ...). `""` (the default) means "any format", as in Flyte. */
  format?: string;
}

/** A single file at a URI (a Flyte blob with SINGLE dimensionality). */
export class FlyteFile {
  readonly uri: string;
  readonly format: string;

  constructor(uri: string, options: BlobOptions = {}) {
    this.uri = uri;
    this.format = options.format ?? "";
  }

  toString(): string {
    return this.uri;
  }
}

/** A directory (prefix) of files at a URI (a Flyte blob with MULTIPART dimensionality). */
export class FlyteDirectory {
  readonly uri: string;
  readonly format: string;

  constructor(uri: string, options: BlobOptions = {}) {
    this.uri = uri;
    this.format = options.format ?? "";
  }

  toString(): string {
    return this.uri;
  }
}

/** A column of a data frame; `type` takes a `LiteralType` or anything carrying one (a type token). */
export interface DataFrameColumn {
  name: string;
  type: LiteralType | { readonly literalType: LiteralType };
}

export interface DataFrameOptions {
  /**
   * The storage format. `""` (the default) is Flyte's generic format: the reader decides, which is what a
   * table reference like `bq://project:dataset.table` needs.
   */
  format?: string;
  /** The columns, when known. Empty means "any columns". */
  columns?: readonly DataFrameColumn[];
}

/** A tabular data set at a URI (a Flyte structured dataset): a parquet prefix, a BigQuery table, ... */
export class DataFrame {
  readonly uri: string;
  readonly format: string;
  readonly columns: readonly DataFrameColumn[];

  constructor(uri: string, options: DataFrameOptions = {}) {
    this.uri = uri;
    this.format = options.format ?? "";
    this.columns = options.columns ?? [];
  }

  toString(): string {
    return this.uri;
  }
}

/**
 * A number that must travel as a Flyte float even when it is integral. JavaScript has one number type, so
 * without a declared type `3` is taken for an integer; `float(3)` says otherwise.
 */
export class Float {
  readonly value: number;

  constructor(value: number) {
    this.value = value;
  }

  /** Lets a `Float` take part in arithmetic and comparisons like the number it wraps. */
  valueOf(): number {
    return this.value;
  }

  toString(): string {
    return String(this.value);
  }
}

/** Shorthand for `new Float(value)`. */
export function float(value: number): Float {
  return new Float(value);
}

const NANOS_PER_SECOND = 1_000_000_000;
const NANOS_PER_MILLI = 1_000_000;

/**
 * A length of time with nanosecond precision, as `google.protobuf.Duration` holds it: whole `seconds` and
 * `nanos` with the same sign (|nanos| < 1e9). JavaScript has no timedelta, so this stands in for one.
 */
export class Duration {
  readonly seconds: bigint;
  readonly nanos: number;

  /** Throws a `RangeError` for parts protobuf would reject (nanos out of range or of the other sign). */
  constructor(seconds: bigint, nanos = 0) {
    if (!Number.isInteger(nanos) || Math.abs(nanos) >= NANOS_PER_SECOND) {
      throw new RangeError(`duration nanos must be an integer with |nanos| < 1e9, got ${nanos}`);
    }
    if ((seconds > 0n && nanos < 0) || (seconds < 0n && nanos > 0)) {
      throw new RangeError("duration seconds and nanos must have the same sign");
    }
    this.seconds = seconds;
    this.nanos = nanos;
  }

  static ofMillis(millis: number): Duration {
    return Duration.ofNanos(toWholeNanos(millis, NANOS_PER_MILLI, "millis"));
  }

  static ofSeconds(seconds: number | bigint): Duration {
    if (typeof seconds === "bigint") return new Duration(seconds, 0);
    return Duration.ofNanos(toWholeNanos(seconds, NANOS_PER_SECOND, "seconds"));
  }

  static ofNanos(nanos: bigint): Duration {
    // BigInt division truncates toward zero, which keeps both parts on the same sign.
    const billion = BigInt(NANOS_PER_SECOND);
    return new Duration(nanos / billion, Number(nanos % billion));
  }

  /** The whole length in nanoseconds. */
  toNanos(): bigint {
    return this.seconds * BigInt(NANOS_PER_SECOND) + BigInt(this.nanos);
  }

  /** Milliseconds as a number (fractional below a millisecond; may round for spans beyond ~285 years). */
  toMillis(): number {
    return Number(this.seconds) * 1000 + this.nanos / NANOS_PER_MILLI;
  }

  equals(other: Duration): boolean {
    return this.seconds === other.seconds && this.nanos === other.nanos;
  }

  toString(): string {
    return `${this.toMillis()}ms`;
  }
}

/** `amount * unit` as whole nanoseconds, rounding away sub-nanosecond noise from binary fractions. */
function toWholeNanos(amount: number, unit: number, what: string): bigint {
  if (!Number.isFinite(amount)) throw new RangeError(`duration ${what} must be finite, got ${amount}`);
  const whole = Math.trunc(amount);
  const fraction = Math.round((amount - whole) * unit);
  return BigInt(whole) * BigInt(unit) + BigInt(fraction);
}

/**
 * Bytes from a `Binary` literal this runtime cannot interpret (any tag but `"msgpack"`). Kept so the value
 * can be passed on unchanged: encoding a `RawBinary` writes the same bytes and tag back.
 */
export class RawBinary {
  readonly value: Uint8Array;
  readonly tag: string;

  constructor(value: Uint8Array, tag: string) {
    this.value = value;
    this.tag = tag;
  }
}
