/**
 * Trouble on demand, for testing how clients cope with what a healthy account rarely does: rate limits,
 * outages and requests that never get an answer. Each applies to every endpoint, before the JWT check,
 * as a load balancer in front of the API would.
 */
export interface Faults {
  /** Answer HTTP 503 (Service Unavailable): the next `requests` requests, or all until `unavailable(false)`. */
  unavailable(requests: number | boolean): void;
  /** Answer HTTP 429 (Too Many Requests) with `Retry-After: retryAfterSeconds` (default 1). */
  rateLimited(requests: number | boolean, retryAfterSeconds?: number): void;
  /** Accept requests and never answer them (until the emulator closes or `clear()`). */
  hang(requests: number | boolean): void;
  /** Forgets every pending fault and drops the hung requests' connections. */
  clear(): void;
}

type Budget = number | boolean;

function check(requests: Budget): void {
  if (typeof requests === "number" && !(Number.isInteger(requests) && requests >= 0)) {
    throw new RangeError(`requests must be a non-negative integer or a boolean, got ${requests}`);
  }
}

function take(budget: Budget): [boolean, Budget] {
  if (budget === true) return [true, true];
  if (typeof budget === "number" && budget > 0) return [true, budget - 1];
  return [false, budget];
}

export type FaultKind =
  { kind: "unavailable" } | { kind: "rate-limited"; retryAfterSeconds: number } | { kind: "hang" };

/** The emulator's side of `Faults`: what the request handler consumes. */
export class FaultState implements Faults {
  #unavailable: Budget = false;
  #rateLimited: Budget = false;
  #retryAfterSeconds = 1;
  #hang: Budget = false;
  readonly #onClear: () => void;

  constructor(onClear: () => void = () => {}) {
    this.#onClear = onClear;
  }

  unavailable(requests: Budget): void {
    check(requests);
    this.#unavailable = requests;
  }

  rateLimited(requests: Budget, retryAfterSeconds = 1): void {
    check(requests);
    if (!(Number.isInteger(retryAfterSeconds) && retryAfterSeconds >= 0)) {
      throw new RangeError(`retryAfterSeconds must be a non-negative integer, got ${retryAfterSeconds}`);
    }
    this.#rateLimited = requests;
    this.#retryAfterSeconds = retryAfterSeconds;
  }

  hang(requests: Budget): void {
    check(requests);
    this.#hang = requests;
  }

  clear(): void {
    this.#unavailable = false;
    this.#rateLimited = false;
    this.#hang = false;
    this.#onClear();
  }

  /** The fault for the request at hand, if any; counts it against its budget. */
  take(): FaultKind | undefined {
    let hit: boolean;
    [hit, this.#hang] = take(this.#hang);
    if (hit) return { kind: "hang" };
    [hit, this.#unavailable] = take(this.#unavailable);
    if (hit) return { kind: "unavailable" };
    [hit, this.#rateLimited] = take(this.#rateLimited);
    if (hit) return { kind: "rate-limited", retryAfterSeconds: this.#retryAfterSeconds };
    return undefined;
  }
}
