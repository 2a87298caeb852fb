import { ConnectorError } from "../errors";

/** Why a call stopped before it was answered. */
export type AbortCause = "cancelled" | "deadline" | "shutdown";

/** Time a connector keeps back from the caller's deadline to send its answer in, by default (ms). */
export const DEFAULT_ANSWER_MARGIN_MS = 750;

export interface CallScopeOptions {
  /** When the caller stops waiting, in epoch ms. Default: no deadline. */
  deadline?: number;
  /**
   * Abort the call at its deadline with a timer the scope owns. The gRPC adapter leaves this off: grpc-js
   * already times every call and reports the deadline as a cancel, which the adapter passes on. The
   * in-process executor has no transport to do it and turns it on. Default false.
   */
  enforceDeadline?: boolean;
}

// Shared reasons: ending a call aborts its signal (so work a connector left running stops), and that
// happens on every call whose signal was read; one frozen reason costs nothing per call.
const CALL_ENDED = new DOMException("the call has ended", "AbortError");

/**
 * One call's lifetime: its AbortSignal, its deadline and every timer it arms. Transport adapters create a
 * scope per call and report what happens to it (`cancel()`, `expire()`, `shutdown()`); the pipeline runs
 * the call inside it and `end()`s it when the call is answered, which clears its timers and aborts its
 * signal, so nothing a call started outlives it.
 *
 * The AbortController is made only when someone reads `signal`: most calls never need one.
 */
export class CallScope {
  readonly deadline: number | undefined;
  #controller: AbortController | undefined;
  #cause: AbortCause | undefined;
  #reason: unknown;
  #ended = false;
  #timers: NodeJS.Timeout[] | undefined;
  #margins: Map<number, AbortController> | undefined;
  // Rejecters of `race()`s: the first race (the call itself) in a slot of its own, later ones (a log
  // stream's writes) in a set they leave when settled. Rejecting a settled race does nothing.
  #onAbort: ((error: ConnectorError) => void) | undefined;
  #moreOnAbort: Set<(error: ConnectorError) => void> | undefined;

  constructor(options: CallScopeOptions = {}) {
    const deadline = options.deadline;
    this.deadline = deadline !== undefined && Number.isFinite(deadline) ? deadline : undefined;
    if (options.enforceDeadline && this.deadline !== undefined) {
      this.#arm(this.deadline - Date.now(), () => this.expire());
    }
  }

  /** Fires when the call is cancelled, passes its deadline, the server shuts down, or the call ends. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#cause) this.#controller.abort(this.#reason);
      else if (this.#ended) this.#controller.abort(CALL_ENDED);
    }
    return this.#controller.signal;
  }

  /** Why the call stopped early, or undefined while it may still be answered. */
  get abortCause(): AbortCause | undefined {
    return this.#cause;
  }

  /** The caller cancelled the call. */
  cancel(): void {
    this.#abort("cancelled", () => new DOMException("the client cancelled the call", "AbortError"));
  }

  /** The call's deadline passed. */
  expire(): void {
    this.#abort("deadline", () => new DOMException("the call's deadline passed", "TimeoutError"));
  }

  /** The server is shutting down and stops waiting for the call. */
  shutdown(): void {
    this.#abort("shutdown", () => new DOMException("the server is shutting down", "AbortError"));
  }

  /**
   * Milliseconds left before the deadline minus `marginMs`, never below 0; `Infinity` without a deadline.
   */
  timeLeft(marginMs = 0): number {
    if (this.deadline === undefined) return Infinity;
    return Math.max(0, this.deadline - marginMs - Date.now());
  }

  /**
   * A signal that fires `marginMs` before the deadline, or with `signal`, whichever is first: stop waiting
   * on the external system then, and still answer in time. Without a deadline it is `signal` itself. Its
   * reason is a `TimeoutError` when the margin was reached. One signal per margin, however often asked.
   */
  beforeDeadline(marginMs = DEFAULT_ANSWER_MARGIN_MS): AbortSignal {
    if (this.deadline === undefined) return this.signal;
    const known = this.#margins?.get(marginMs);
    if (known) return known.signal;
    const controller = new AbortController();
    (this.#margins ??= new Map()).set(marginMs, controller);
    if (this.#cause || this.#ended) {
      controller.abort(this.#cause ? this.#reason : CALL_ENDED);
    } else {
      this.#arm(this.deadline - marginMs - Date.now(), () => {
        if (!controller.signal.aborted) {
          controller.abort(new DOMException(`the call's deadline is ${marginMs} ms away`, "TimeoutError"));
        }
      });
    }
    return controller.signal;
  }

  /**
   * Settles with `work`, or rejects as soon as the call is aborted (a `ConnectorError` aborted or
   * deadline_exceeded) — a connector that ignores its signal still cannot hold the call past its end.
   */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.#cause) return Promise.reject(this.abortError());
    return new Promise<T>((resolve, reject) => {
      if (this.#onAbort === undefined) {
        this.#onAbort = reject;
        work.then(resolve, reject);
        return;
      }
      const more = (this.#moreOnAbort ??= new Set());
      more.add(reject);
      work.then(
        (value) => {
          more.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          more.delete(reject);
          reject(error);
        },
      );
    });
  }

  /** The error an aborted call answers with. */
  abortError(cause?: unknown): ConnectorError {
    switch (this.#cause) {
      case "deadline":
        return ConnectorError.deadlineExceeded("the call's deadline passed", { cause });
      case "shutdown":
        // Unavailable, not aborted: the client should try again, on another replica.
        return ConnectorError.unavailable("the server is shutting down", { cause });
      default:
        return ConnectorError.aborted("the client cancelled the call", { cause });
    }
  }

  /** The call is answered: clear its timers and abort its signals. Idempotent. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#onAbort = undefined;
    this.#moreOnAbort = undefined;
    if (this.#timers) for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = undefined;
    if (this.#controller && !this.#controller.signal.aborted) this.#controller.abort(CALL_ENDED);
    if (this.#margins) {
      for (const controller of this.#margins.values())
        if (!controller.signal.aborted) controller.abort(CALL_ENDED);
    }
  }

  // The reason is made only when the call really stops: grpc-js reports a "cancel" after every answer,
  // and a DOMException (with its stack) per call would cost more than the rest of a no-op call.
  #abort(cause: AbortCause, makeReason: () => unknown): void {
    if (this.#cause || this.#ended) return;
    const reason = makeReason();
    this.#cause = cause;
    this.#reason = reason;
    // Every timer left would only fire into signals already aborted: clear them now, not at `end()`.
    if (this.#timers) for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = undefined;
    this.#controller?.abort(reason);
    if (this.#margins) {
      for (const controller of this.#margins.values())
        if (!controller.signal.aborted) controller.abort(reason);
    }
    const first = this.#onAbort;
    const more = this.#moreOnAbort;
    this.#onAbort = undefined;
    this.#moreOnAbort = undefined;
    first?.(this.abortError());
    if (more) for (const reject of more) reject(this.abortError());
  }

  #arm(delayMs: number, fire: () => void): void {
    // Referenced (not unref'd): a local run waiting on a connector that ignores its signal must still wake
    // up at the deadline. `end()` clears it, so it never keeps a finished process alive.
    const timer = setTimeout(fire, Math.max(0, delayMs));
    (this.#timers ??= []).push(timer);
  }
}
