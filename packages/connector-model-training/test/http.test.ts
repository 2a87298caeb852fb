/**
 * `requestWithRetries` at the moment its two clocks meet: an attempt cut to the time left before the
 * call's margin ends when the margin's signal fires, and its own timeout may fire first. Which one wins is
 * timing; the answer must not be. The attempt's outcome is given here step by step (an HTTP client that
 * answers with axios' timeout error), since real timers cannot order two events due at the same moment.
 */
import type { AxiosInstance } from "axios";
import { DEFAULT_RETRY_POLICY, requestWithRetries } from "../src/http";

/** An HTTP client whose every attempt ends as axios ends one that ran out of its `timeout`. */
function timingOut(): { http: AxiosInstance; attempts: () => number } {
  let attempts = 0;
  const http = {
    request: async () => {
      attempts++;
      throw Object.assign(new Error("timeout of 1250ms exceeded"), {
        isAxiosError: true,
        code: "ECONNABORTED",
      });
    },
  } as unknown as AxiosInstance;
  return { http, attempts: () => attempts };
}

/** A call whose margin has not fired yet, with `timeLeftMs` until it does. */
function callWith(timeLeftMs: number) {
  const live = new AbortController().signal;
  return { signal: live, beforeDeadline: () => live, timeLeft: () => timeLeftMs };
}

it("an attempt cut to the call's deadline that times out is 'no answer in time', as when the margin's signal fires first", async () => {
  const { http, attempts } = timingOut();
  const outcome = await requestWithRetries(
    http,
    { url: "/train/job" },
    { call: callWith(1250), policy: DEFAULT_RETRY_POLICY },
  );
  expect(outcome).toEqual({ ok: false, transient: true, reason: "no answer in time" });
  expect(attempts()).toBe(1); // no retry: the call's time is spent
});

it("an attempt with its full timeout that times out is 'timed out', and is retried", async () => {
  const { http, attempts } = timingOut();
  const policy = { ...DEFAULT_RETRY_POLICY, retries: 1, backoffMs: 1 };
  const outcome = await requestWithRetries(http, { url: "/train/job" }, { call: callWith(60_000), policy });
  expect(outcome).toEqual({ ok: false, transient: true, reason: "timed out" });
  expect(attempts()).toBe(2);
});

it("without a deadline, an attempt cut to the budget that times out stays 'timed out' (no signal races it)", async () => {
  const { http, attempts } = timingOut();
  const policy = { ...DEFAULT_RETRY_POLICY, retries: 0, budgetMs: 1000 };
  const outcome = await requestWithRetries(http, { url: "/train/job" }, { call: callWith(Infinity), policy });
  expect(outcome).toEqual({ ok: false, transient: true, reason: "timed out" });
  expect(attempts()).toBe(1);
});
