// One load measurement, done the same way for every server: validated, metered for interference, and
// bracketed by real-client calls whose grpc-status is checked (h2load only sees HTTP status).
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { statusName, unaryRaw } from "./grpc.mjs";
import { checkBytes, grpcFrame, runH2load } from "./h2load.mjs";
import { fixed, count } from "./report.mjs";
import { cpuMeter, median, progress, sleep } from "./system.mjs";

/** One call with a real gRPC client: grpc-status must be OK and the answer must decode as expected. */
export async function sampleCall(server, request) {
  const answer = await unaryRaw(server.address, request.methodPath, request.bytes);
  if (answer.code !== 0) {
    throw new Error(
      `${server.label} ${request.methodPath} answered ${statusName(answer.code)}: ${answer.details}`,
    );
  }
  request.verify(answer.bytes);
  return answer.bytes;
}

/** h2load with `request` against `server`; `load` holds the h2load knobs (streams, requests, …). */
export function h2(server, request, load) {
  return runH2load({ address: server.address, methodPath: request.methodPath, body: request.body, ...load });
}

/**
 * A fixed-count run of `calls`, checked: every call must have answered HTTP 200 with exactly the
 * expected message (see checkBytes). Throws when not, so the bench never measures fast errors.
 */
export function checkedRun(server, request, load, calls) {
  const run = h2(server, request, { ...load, requests: calls });
  const problems = checkBytes(run, calls, grpcFrame(request.answer).length);
  if (problems.length > 0) {
    throw new Error(
      `${server.label} ${request.methodPath}: the load would measure errors: ${problems.join("; ")}`,
    );
  }
  return run;
}

/**
 * Loads `server` with `request` at `streams` concurrent calls per connection and returns throughput and
 * latency:
 * 1. a checked fixed-count run (`o.checkCalls`), which also warms the server up;
 * 2. the measured run: `o.warmUpS` more of unmeasured load, then `o.durationS` measured, metered for
 *    CPU used by other processes meanwhile;
 * 3. a real client call: the server still answers OK.
 */
export async function measureLoad(
  o,
  work,
  server,
  request,
  { streams, connections = 1, cpus = o.loadCpus, name },
) {
  const load = { cpus, connections, streams };
  checkedRun(server, request, load, o.checkCalls);
  const logFile = path.join(work, "h2load", `${name}.log`);
  mkdirSync(path.dirname(logFile), { recursive: true });
  const meter = cpuMeter();
  const run = h2(server, request, { ...load, durationS: o.durationS, warmUpS: o.warmUpS, logFile });
  const { otherCores, stealCores } = meter();
  if (run.failed > 0 || run.errored > 0 || run.status2xx < run.completed) {
    throw new Error(
      `${server.label} ${request.methodPath}: ${run.failed} failed, ${run.errored} errored under load`,
    );
  }
  await sampleCall(server, request);
  rmSync(logFile); // tens of MB at 64 streams; its numbers are kept
  progress(
    `  ${name}: ${count(run.rps)} calls/s, p50 ${fixed(run.p50Ms, 3)} ms, p99 ${fixed(run.p99Ms, 3)} ms; ` +
      `other processes used ${fixed(otherCores, 2)} cores`,
  );
  const { rps, p50Ms, p99Ms, meanMs, completed, command } = run;
  return { rps, p50Ms, p99Ms, meanMs, completed, otherCores, stealCores, command };
}

/** Medians over the rounds of one server's runs; every run is kept, and the worst interference. */
export function aggregate(runs) {
  const pick = (k) => median(runs.map((r) => r[k]));
  return {
    rps: pick("rps"),
    p50Ms: pick("p50Ms"),
    p99Ms: pick("p99Ms"),
    otherCoresMax: Math.max(...runs.map((r) => r.otherCores)),
    command: runs[0].command,
    runs: runs.map(({ command: _command, ...r }) => r),
  };
}

/** Other processes using more than this many cores make a run "disturbed". */
export const BUSY_CORES = 0.2;

/** Seconds spent in waitForQuiet, for the report. */
export const waited = { seconds: 0 };

/**
 * On a shared machine other processes (builds, tests) come and go. Before a round, sample one second
 * and wait — up to --max-wait — while they use more than BUSY_CORES; then proceed anyway (the "other
 * CPU" column shows the row was disturbed).
 */
export async function waitForQuiet(o) {
  if (o.maxWaitS <= 0) return;
  const until = Date.now() + o.maxWaitS * 1000;
  for (let first = true; ; first = false) {
    const meter = cpuMeter();
    await sleep(1000);
    const { otherCores } = meter();
    if (otherCores < BUSY_CORES) return;
    if (Date.now() >= until) {
      progress(`  machine still busy (${fixed(otherCores, 2)} cores used elsewhere); measuring anyway`);
      return;
    }
    if (first)
      progress(
        `  machine busy (${fixed(otherCores, 2)} cores used elsewhere); waiting up to ${o.maxWaitS} s`,
      );
    waited.seconds += 1;
  }
}

/**
 * Runs `attempt()` — one round, returning `{ otherCores, ... }` — after waiting for a quiet machine, and
 * again (up to `o.retries` times) while other processes disturbed it; keeps the least disturbed try.
 */
export async function undisturbed(o, attempt) {
  let best;
  for (let i = 0; i <= o.retries; i++) {
    await waitForQuiet(o);
    const result = await attempt();
    if (!best || result.otherCores < best.otherCores) best = result;
    if (result.otherCores < BUSY_CORES) break;
    if (i < o.retries)
      progress(`  disturbed (${fixed(result.otherCores, 2)} cores used elsewhere): once more`);
  }
  return best;
}
