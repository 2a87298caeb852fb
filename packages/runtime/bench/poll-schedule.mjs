#!/usr/bin/env node
// How many polls a job costs, and how late its end is noticed, under the executor's poll schedule versus
// the Python SDK's fixed 3 s poll. Deterministic: in each band, jobs end at every millisecond (a uniform
// spread); calls take no time; a job's end is noticed at the first poll at or after it. The band the
// question is about is 5..60 s; the others show where each schedule wins.
//
//   node packages/runtime/bench/poll-schedule.mjs
//
// It runs the real schedule, `pollDelays` from dist/executor/backoff.js, when the package is built
// (`npm run build`), and otherwise a copy of it below (the output says which).
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** A copy of src/executor/backoff.ts `pollDelays`, for when dist/ is not built. Keep the two in step. */
function* mirroredPollDelays({ initialMs = 1000, multiplier = 1.5, maxMs = 10_000 } = {}) {
  let delay = Math.min(initialMs, maxMs);
  for (;;) {
    yield delay;
    delay = Math.min(delay * multiplier, maxMs);
  }
}

let pollDelays = mirroredPollDelays;
let source = "a copy of src/executor/backoff.ts (dist/ not built)";
try {
  pollDelays = require("../dist/executor/backoff.js").pollDelays;
  source = "dist/executor/backoff.js";
} catch {
  // not built: use the copy
}

/** Poll times (ms after create) for the executor: one right after create, then the pauses. */
function executorPolls(options, horizonMs) {
  const times = [0];
  const delays = pollDelays(options);
  while (times.at(-1) < horizonMs) times.push(times.at(-1) + delays.next().value);
  return times;
}

/**
 * A fixed interval. The Python SDK's local executor sleeps before its first poll; the Flyte backend polls
 * right after create, then every 30 s.
 */
function fixedPolls(intervalMs, horizonMs, firstAtZero) {
  const times = firstAtZero ? [0] : [];
  for (let t = intervalMs; t < horizonMs + intervalMs; t += intervalMs) times.push(t);
  return times;
}

const horizon = 700_000;
const policies = [
  ["fixed 3 s (Python SDK)", fixedPolls(3000, horizon, false)],
  ["ours: 1 s x1.5, cap 10 s (default)", executorPolls({}, horizon)],
  ["ours: 1 s x2, cap 10 s", executorPolls({ multiplier: 2 }, horizon)],
  ["ours: 1 s x1.5, cap 3 s", executorPolls({ maxMs: 3000 }, horizon)],
  ["fixed 30 s (Flyte backend's resync)", fixedPolls(30_000, horizon, true)],
];
const bands = [
  [5_000, 60_000],
  [100, 5_000],
  [60_000, 600_000],
];

function simulate(times, fromMs, toMs) {
  const delays = [];
  let polls = 0;
  let i = 0;
  for (let end = fromMs; end <= toMs; end++) {
    while (times[i] < end) i++; // ends only grow, so the first poll at or after the end only moves forward
    polls += i + 1;
    delays.push(times[i] - end);
  }
  delays.sort((a, b) => a - b);
  return {
    polls: polls / delays.length,
    mean: delays.reduce((a, b) => a + b, 0) / delays.length,
    p95: delays[Math.floor(delays.length * 0.95)],
  };
}

console.log(`schedule from ${source}; delay = job end → execute() resolving`);
for (const [fromMs, toMs] of bands) {
  console.log(`\njobs ending uniformly in ${fromMs / 1000}..${toMs / 1000} s`);
  console.log(
    `${"policy".padEnd(37)} ${"mean polls".padStart(10)} ${"mean delay".padStart(10)} ${"p95 delay".padStart(10)}`,
  );
  for (const [name, times] of policies) {
    const r = simulate(times, fromMs, toMs);
    console.log(
      `${name.padEnd(37)} ${r.polls.toFixed(1).padStart(10)} ${`${(r.mean / 1000).toFixed(2)} s`.padStart(10)} ${`${(r.p95 / 1000).toFixed(2)} s`.padStart(10)}`,
    );
  }
}
