import { setTimeout as sleep } from "node:timers/promises";
import axios, { type AxiosError, type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from "axios";
import { isAbortError } from "@flyte-connectors/runtime";

/** How the connector retries transient trouble within one call. */
export interface RetryPolicy {
  /** Timeout of one HTTP attempt, in ms. Default 3000: three tries fit the backend's 10 s deadline. */
  attemptTimeoutMs: number;
  /** Attempts after the first. Default 2. */
  retries: number;
  /** First pause between attempts, doubled each time, in ms. Default 200. */
  backoffMs: number;
  /** Stop retrying this long before the call's deadline, in ms, to leave time to answer. Default 500. */
  deadlineMarginMs: number;
  /** The whole budget when the call has no deadline, in ms. Default 9000. */
  budgetMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attemptTimeoutMs: 3000,
  retries: 2,
  backoffMs: 200,
  deadlineMarginMs: 500,
  budgetMs: 9000,
};

/** The outcome of a request that may have failed transiently (no response, 5xx, 429). */
export type Attempted =
  | { ok: true; response: AxiosResponse }
  | { ok: false; transient: true; reason: string };

/** True for failures another attempt might fix: no response, a timeout, 429 or 5xx. */
export function isTransient(error: unknown): boolean {
  if (!axios.isAxiosError(error)) return false;
  const status = (error as AxiosError).response?.status;
  return status === undefined || status === 429 || status >= 500;
}

function describe(error: unknown): string {
  if (axios.isAxiosError(error)) {
    const status = error.response?.status;
    if (status !== undefined) return `HTTP ${status}`;
    if (error.code === "ECONNABORTED" || error.code === "ETIMEDOUT") return "timed out";
    return error.code ?? error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Sends a request, retrying transient failures with backoff while the call's budget allows (its
 * deadline less a margin). Non-transient HTTP answers (4xx) come back as responses; an abort of the
 * call's signal is thrown; transient failures that outlast the budget come back as `{ ok: false }` so
 * `get` can report "not yet" instead of failing.
 */
export async function requestWithRetries(
  http: AxiosInstance,
  config: AxiosRequestConfig,
  options: { signal: AbortSignal; deadline?: number; policy: RetryPolicy },
): Promise<Attempted> {
  const { signal, policy } = options;
  const giveUpAt = options.deadline !== undefined ? options.deadline - policy.deadlineMarginMs : Date.now() + policy.budgetMs;
  let lastReason = "no attempt made";
  for (let attempt = 0; attempt <= policy.retries; attempt++) {
    const remaining = giveUpAt - Date.now();
    if (remaining <= 0) break;
    try {
      const response = await http.request({
        ...config,
        signal,
        timeout: Math.min(policy.attemptTimeoutMs, remaining),
        // Every status is an answer here; the caller decides what a 404 or 409 means.
        validateStatus: () => true,
      });
      if (response.status !== 429 && response.status < 500) return { ok: true, response };
      lastReason = `HTTP ${response.status}`;
    } catch (error) {
      if (signal.aborted || isAbortError(error)) throw signal.reason ?? error;
      if (!isTransient(error)) throw error;
      lastReason = describe(error);
    }
    const wait = policy.backoffMs * 2 ** attempt;
    if (attempt < policy.retries && Date.now() + wait < giveUpAt) await sleep(wait, undefined, { signal });
  }
  return { ok: false, transient: true, reason: lastReason };
}
