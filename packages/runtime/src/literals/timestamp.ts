/** `google.protobuf.Timestamp` and `Duration` as they travel: whole seconds and nanoseconds. */
export interface SecondsNanos {
  seconds: bigint;
  nanos: number;
}

/** Milliseconds since the epoch (or of a duration), truncated to the millisecond. */
export function toMillis(value: SecondsNanos): number {
  return Number(value.seconds) * 1000 + Math.floor(value.nanos / 1_000_000);
}

/** Seconds and nanoseconds of a millisecond count, nanos never negative (as Timestamp wants). */
export function fromMillis(millis: number): SecondsNanos {
  const seconds = Math.floor(millis / 1000);
  return { seconds: BigInt(seconds), nanos: (millis - seconds * 1000) * 1_000_000 };
}
