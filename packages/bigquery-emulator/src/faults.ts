import type { ErrorProto } from "./errors";

/** A failure to give the next query jobs, as BigQuery reports it in `status.errorResult`. */
export interface JobFailure {
  /** BigQuery's reason, e.g. `backendError`, `rateLimitExceeded`, `internalError`. */
  reason: string;
  message: string;
}

/**
 * Trouble on demand, for testing how clients cope with what a local engine never does by itself:
 * the API being unavailable, and jobs failing inside BigQuery's backend.
 */
export interface Faults {
  /**
   * Answer requests with HTTP 503 (BigQuery's `backendError` shape): the next `requests` of them, or
   * all of them until `unavailable(false)`.
   */
  unavailable(requests: number | boolean): void;
  /** The next `count` query jobs (default 1) end DONE with this errorResult instead of running. */
  failNextJobs(failure: JobFailure, count?: number): void;
  /** Forgets every pending fault. */
  clear(): void;
}

/** The emulator's side of `Faults`: what the request handler and the job runner consume. */
export class FaultState implements Faults {
  #unavailable: number | boolean = false;
  readonly #jobFailures: JobFailure[] = [];

  unavailable(requests: number | boolean): void {
    if (typeof requests === "number" && !(Number.isInteger(requests) && requests >= 0)) {
      throw new RangeError(`requests must be a non-negative integer or a boolean, got ${requests}`);
    }
    this.#unavailable = requests;
  }

  failNextJobs(failure: JobFailure, count = 1): void {
    if (!(Number.isInteger(count) && count > 0))
      throw new RangeError(`count must be a positive integer, got ${count}`);
    for (let i = 0; i < count; i++)
      this.#jobFailures.push({ reason: failure.reason, message: failure.message });
  }

  clear(): void {
    this.#unavailable = false;
    this.#jobFailures.length = 0;
  }

  /** Whether this request should be refused; counts it against `unavailable(n)`. */
  takeUnavailable(): boolean {
    if (this.#unavailable === true) return true;
    if (typeof this.#unavailable === "number" && this.#unavailable > 0) {
      this.#unavailable -= 1;
      return true;
    }
    return false;
  }

  /** The failure for the job about to run, if one is pending. */
  takeJobFailure(): ErrorProto | undefined {
    return this.#jobFailures.shift();
  }
}

/** The body BigQuery sends with a 503. */
export function unavailableBody(): { error: Record<string, unknown> } {
  const message = "The service is currently unavailable (injected by the emulator's faults).";
  return {
    error: {
      code: 503,
      message,
      errors: [{ message, domain: "global", reason: "backendError" }],
      status: "UNAVAILABLE",
    },
  };
}
