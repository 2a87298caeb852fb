#!/usr/bin/env node
// Polls per job, and the delay from a job finishing to execute() resolving, for the executor's backoff
// (1 s ×1.5 up to 10 s) against the Python SDK's fixed 3 s poll measured in the same run.
// Runs the real executor against an in-process connector whose jobs finish at known times. To keep the
// run short, time is scaled: every duration (job length, poll pauses) is divided by --scale (default
// 50), and delays are reported multiplied back. Needs `npm run build` first.
//
//   node tools/bench/executor-polling.mjs [--jobs 40] [--scale 50] [--seed 7]
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(path.join(root, "packages/runtime/package.json"));
const rt = require(path.join(root, "packages/runtime/dist/executor/index.js"));
const pino = require("pino");

const args = process.argv.slice(2);
if (args.includes("--help")) {
  console.log("Usage: node tools/bench/executor-polling.mjs [--jobs N] [--scale S] [--seed K]");
  process.exit(0);
}
const arg = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const jobs = arg("--jobs", 40);
const scale = arg("--scale", 50);
let seed = arg("--seed", 7);
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

// Jobs last 5..60 s (real), spread evenly at random.
const durationsMs = Array.from({ length: jobs }, () => 5000 + random() * 55_000);

class TimedConnector extends rt.AsyncConnector {
  name = "Timed";
  taskTypeName = "timed";
  metadata = rt.jsonMeta(["job_id"]);
  jobs = new Map();
  async create({ inputs, idempotencyKey }) {
    this.jobs.set(idempotencyKey, { endsAt: Date.now() + Number(inputs.ms) / scale, polls: 0 });
    return { job_id: idempotencyKey };
  }
  async get(meta) {
    const job = this.jobs.get(meta.job_id);
    job.polls++;
    return Date.now() >= job.endsAt ? { phase: rt.TaskExecutionPhase.SUCCEEDED } : { phase: rt.TaskExecutionPhase.RUNNING };
  }
  async delete() {}
}

class TimedTask extends rt.AsyncConnectorExecutorMixin(rt.TaskTemplate) {
  constructor() {
    super({ name: "timed", taskType: "timed", interface: { inputs: { ms: rt.types.int }, outputs: {} } });
  }
}

const policies = [
  { label: "fixed 3 s (Python SDK, baseline)", poll: { initialMs: 3000, multiplier: 1, maxMs: 3000 } },
  { label: "backoff 1 s ×1.5 → 10 s (ours)", poll: { ...rt.DEFAULT_POLL } },
];

const silent = pino({ level: "silent" });
const results = [];
for (const policy of policies) {
  const connector = new TimedConnector();
  const registry = new rt.ConnectorRegistry([connector]);
  const poll = { initialMs: policy.poll.initialMs / scale, multiplier: policy.poll.multiplier, maxMs: policy.poll.maxMs / scale };
  const runs = await Promise.all(
    durationsMs.map(async (ms) => {
      const task = new TimedTask();
      const started = Date.now();
      await task.execute({ ms: Math.round(ms) }, { registry, poll, logger: silent });
      return { lateMs: (Date.now() - started) * scale - ms };
    }),
  );
  const polls = [...connector.jobs.values()].map((j) => j.polls);
  const late = runs.map((r) => Math.max(0, r.lateMs)).sort((a, b) => a - b);
  results.push({
    label: policy.label,
    polls: polls.reduce((a, b) => a + b, 0) / polls.length,
    meanLate: late.reduce((a, b) => a + b, 0) / late.length,
    p95Late: late[Math.floor(late.length * 0.95)],
  });
}

const base = results[0];
console.log(`${jobs} jobs lasting 5-60 s each (seeded), time scaled 1/${scale}; delays reported in real seconds`);
console.log("policy".padEnd(36), "polls/job".padStart(9), "ratio".padStart(6), "mean delay s".padStart(13), "ratio".padStart(6), "p95 delay s".padStart(12));
for (const r of results) {
  console.log(
    r.label.padEnd(36),
    r.polls.toFixed(1).padStart(9),
    (r.polls / base.polls).toFixed(2).padStart(6),
    (r.meanLate / 1000).toFixed(2).padStart(13),
    (r.meanLate / base.meanLate).toFixed(2).padStart(6),
    (r.p95Late / 1000).toFixed(2).padStart(12),
  );
}
