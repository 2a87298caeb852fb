/** How the executor spaces `get` polls. */
export interface PollOptions {
  /** The pause before the second poll, in ms (the first comes right after create). Default 1000. */
  initialMs?: number;
  /** Each pause is the previous one times this (1 for a fixed interval). Default 1.5. */
  multiplier?: number;
  /** The longest pause, in ms. Default 10000. */
  maxMs?: number;
}

export const DEFAULT_POLL: Readonly<Required<PollOptions>> = Object.freeze({
  initialMs: 1000,
  multiplier: 1.5,
  maxMs: 10_000,
});

/**
 * The pauses between polls, in order and without end: small at first so short jobs return quickly, then
 * growing to a cap so long jobs cost few calls. Deterministic (no jitter): one local run has no herd to
 * spread, and the schedule can be simulated (`bench/poll-schedule.mjs` runs this very function).
 */
export function* pollDelays(options: PollOptions = {}): Generator<number, never, unknown> {
  const { initialMs, multiplier, maxMs } = resolvePollOptions(options);
  let delay = Math.min(initialMs, maxMs);
  for (;;) {
    yield delay;
    delay = Math.min(delay * multiplier, maxMs);
  }
}

/** The options with defaults filled in; a `RangeError` for a schedule that would spin or shrink. */
export function resolvePollOptions(options: PollOptions = {}): Required<PollOptions> {
  const resolved = { ...DEFAULT_POLL, ...withoutUndefined(options) };
  const { initialMs, multiplier, maxMs } = resolved;
  if (
    !(initialMs > 0) ||
    !(multiplier >= 1) ||
    !(maxMs > 0) ||
    ![initialMs, multiplier, maxMs].every(Number.isFinite)
  ) {
    throw new RangeError(
      `poll options need initialMs > 0, multiplier >= 1 and maxMs > 0, all finite (got ${JSON.stringify(options)})`,
    );
  }
  return resolved;
}

function withoutUndefined(options: PollOptions): PollOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}
