/** How the executor spaces `get` polls. */
export interface PollOptions {
  /** First pause after create, in ms. Default 1000. */
  initialMs?: number;
  /** Each pause is the previous times this. Default 1.5. */
  multiplier?: number;
  /** Longest pause, in ms. Default 10000. */
  maxMs?: number;
}

export const DEFAULT_POLL: Required<PollOptions> = { initialMs: 1000, multiplier: 1.5, maxMs: 10_000 };

/** The pauses between polls, in order: start small so short jobs finish fast, grow, then stay capped. */
export function* pollDelays(options: PollOptions = {}): Generator<number, never> {
  const { initialMs, multiplier, maxMs } = { ...DEFAULT_POLL, ...options };
  let delay = initialMs;
  for (;;) {
    yield Math.min(delay, maxMs);
    delay = Math.min(delay * multiplier, maxMs);
  }
}
