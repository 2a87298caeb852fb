import { setTimeout as sleep } from "node:timers/promises";
import type { AxiosError, AxiosInstance, AxiosRequestConfig, AxiosResponse, AxiosStatic } from "axios";
import { isAbortError, type CallContext } from "@flyte-connectors/runtime";

/** How the connector retries transient trouble within one call. */
export interface RetryPolicy {
  /** Timeout of one HTTP attempt, in ms. Default 3000: three tries fit the backend's 10 s deadline. */
  attemptTimeoutMs: number;
  /** Attempts after the first. Default 2. */
  retries: number;
  /** First pause between attempts, doubled each time, in ms. Default 200. */
  backoffMs: number;
  /**
   * Stop waiting on the service this long before the call's deadline, in ms, to leave time to answer
   * (the runtime's `ctx.beforeDeadline()`). Default 750, the runtime's default.
   */
  deadlineMarginMs: number;
  /** The whole budget when the call has no deadline, in ms. Default 9000. */
  budgetMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attemptTimeoutMs: 3000,
  retries: 2,
  backoffMs: 200,
  deadlineMarginMs: 750,
  budgetMs: 9000,
};

/** The outcome of a request that may have failed transiently (no response, 5xx, 429). */
export type Attempted =
  { ok: true; response: AxiosResponse } | { ok: false; transient: true; reason: string };

/** What axios.isAxiosError checks, without loading axios for it. */
function isAxiosError(error: unknown): error is AxiosError {
  return (
    typeof error === "object" && error !== null && (error as { isAxiosError?: unknown }).isAxiosError === true
  );
}

/**
 * A new axios instance, loading axios on first use: ~40 ms that a server starting up need not wait for.
 */
export function createHttpClient(): AxiosInstance {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require("axios") as AxiosStatic).create();
}

/** True for failures another attempt might fix: no response, a timeout, 429 or 5xx. */
export function isTransient(error: unknown): boolean {
  if (!isAxiosError(error)) return false;
  const status = (error as AxiosError).response?.status;
  return status === undefined || status === 429 || status >= 500;
}

/** True for an attempt that ran out of its `timeout`. */
function isTimeout(error: unknown): boolean {
  return isAxiosError(error) && (error.code === "ECONNABORTED" || error.code === "ETIMEDOUT");
}

function describe(error: unknown): string {
  if (isAxiosError(error)) {
    const status = error.response?.status;
    if (status !== undefined) return `HTTP ${status}`;
    if (isTimeout(error)) return "timed out";
    return error.code ?? error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Sends a request, retrying transient failures with backoff while the call's budget allows: until the
 * runtime's `beforeDeadline()` signal fires (the deadline less `deadlineMarginMs`), or `budgetMs` for a
 * call without a deadline. Non-transient HTTP answers (4xx) come back as responses; an abort of the
 * call itself is thrown; transient failures that outlast the budget come back as `{ ok: false }` so `get`
 * can report "not yet" instead of failing.
 */
export async function requestWithRetries(
  http: AxiosInstance,
  config: AxiosRequestConfig,
  options: { call: Pick<CallContext, "signal" | "beforeDeadline" | "timeLeft">; policy: RetryPolicy },
): Promise<Attempted> {
  const { call, policy } = options;
  const stop = call.beforeDeadline(policy.deadlineMarginMs);
  const budgetEnds = Date.now() + policy.budgetMs;
  const remaining = () => Math.min(call.timeLeft(policy.deadlineMarginMs), budgetEnds - Date.now());
  let lastReason = "no attempt made";
  for (let attempt = 0; attempt <= policy.retries; attempt++) {
    const toStop = call.timeLeft(policy.deadlineMarginMs);
    const left = Math.min(toStop, budgetEnds - Date.now());
    if (left <= 0 || stop.aborted) break;
    // An attempt cut to the time until `stop` fires ends with `stop`: its timeout and the signal race.
    const cutToDeadline = toStop <= left && left < policy.attemptTimeoutMs;
    try {
      const response = await http.request({
        ...config,
        signal: stop,
        timeout: Math.min(policy.attemptTimeoutMs, left),
        // Every status is an answer here; the caller decides what a 404 or 409 means.
        validateStatus: () => true,
      });
      if (response.status !== 429 && response.status < 500) return { ok: true, response };
      lastReason = `HTTP ${response.status}`;
    } catch (error) {
      if (call.signal.aborted) throw call.signal.reason ?? error;
      // The margin before the deadline was reached (`stop`, or the timeout of an attempt cut to it, whichever
      // fired first): time to answer with what we know.
      if (stop.aborted || isAbortError(error) || (cutToDeadline && isTimeout(error))) {
        const before = attempt > 0 ? `; before that ${lastReason}` : "";
        return { ok: false, transient: true, reason: `no answer in time${before}` };
      }
      if (!isTransient(error)) throw error;
      lastReason = describe(error);
    }
    const wait = policy.backoffMs * 2 ** attempt;
    if (attempt < policy.retries && wait < remaining()) {
      try {
        await sleep(wait, undefined, { signal: stop });
      } catch {
        if (call.signal.aborted) throw call.signal.reason;
        break;
      }
    }
  }
  return { ok: false, transient: true, reason: lastReason };
}
