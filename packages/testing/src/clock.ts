import { setTimeout as sleep } from "node:timers/promises";
import type { Clock } from "@flyte-connectors/runtime/executor";

export type { Clock };

/** Real time: `performance.now()` and timers. */
export const realClock: Clock = Object.freeze({
  now: () => performance.now(),
  sleep: (ms: number, signal?: AbortSignal) => sleep(ms, undefined, { signal }),
});

/**
 * Virtual time for tests: `sleep(ms)` moves `now()` forward by `ms` at once and resolves on the next
 * turn of the event loop (so real I/O, such as a gRPC answer, still gets to run between steps). A
 * simulated backend waiting its 30 s resync interval takes no time, and the report's timings are exact.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const simulator = await FlyteBackendSimulator.start({ connectors: [connector], clock });
 * const report = await simulator.run(task);
 * expect(report.calls.map((c) => c.startedAt)).toEqual([0, 0, 0, 30_000, 60_000]);
 * ```
 */
export class VirtualClock implements Clock {
  #now: number;
  /** Every `sleep` asked for, in order (ms). */
  readonly sleeps: number[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Moves time forward without sleeping. */
  advance(ms: number): void {
    this.#now += Math.max(0, ms);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      this.sleeps.push(ms);
      setImmediate(() => {
        if (signal?.aborted) return reject(signal.reason);
        this.#now += Math.max(0, ms);
        resolve();
      });
    });
  }
}
