#!/usr/bin/env node
// `npm run bench`: the runtime's performance figures, each against a baseline measured in the same run.
// On demand only — never part of `npm test`. Needs `npm run build` first and h2load (Debian package
// nghttp2-client; installed on demand when run as root). docs/performance.md says how to read it.
//
// It drives only the built CLI (`flyte-connector serve`) and the public authoring API (the no-op
// connector in fixtures/), never runtime internals, so it keeps working while the runtime is refactored.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bodyFile, ensureH2load } from "./lib/h2load.mjs";
import { callgrindWrapper, countInstructions } from "./lib/instructions.mjs";
import { aggregate, checkedRun, measureLoad, sampleCall, undisturbed, waited } from "./lib/measure.mjs";
import { USAGE, parseOptions } from "./lib/options.mjs";
import { summariseProfile } from "./lib/profile.mjs";
import { collectTargets, render } from "./lib/render.mjs";
import { fixed, target } from "./lib/report.mjs";
import { buildRequests } from "./lib/requests.mjs";
import { killAll, startBareServer, startConnectorServer, startFixtureServer } from "./lib/servers.mjs";
import {
  cpuMeter,
  ensureDebianCommand,
  machineInfo,
  median,
  medianRatio,
  memoryOf,
  pinSelf,
  progress,
  sleep,
  treeRssMb,
} from "./lib/system.mjs";
import { loadUpstream } from "./lib/upstream.mjs";

const BENCH_VERSION = "1.0.0";
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const work = path.join(root, "tmp/bench");
/** Relative to the repo root, where serve runs: the connector under test, on the public API only. */
const NOOP_MODULE = "./tools/bench/fixtures/noop-connector.mjs";

// --- starting servers -----------------------------------------------------------------------------------

/**
 * `flyte-connector serve` with the no-op connector, or (`discover`) every installed connector package, or
 * the `modules` given.
 */
function startOurs(o, { name, logLevel = "warn", discover = false, modules, cpus = o.serverCpus, ...rest }) {
  const workers = rest.workers ? `, --workers ${rest.workers}` : "";
  const what = discover ? "all connectors" : modules ? "named connectors" : "no-op";
  return startConnectorServer({
    root,
    cpus,
    modules: discover ? undefined : (modules ?? [NOOP_MODULE]),
    logLevel,
    label: `serve (${what}, ${logLevel}${workers})`,
    logFile: path.join(work, `logs/${name}.log`),
    ...rest,
  });
}

/** The bare grpc-js server, replaying the answers captured from ours so far. */
function startBare(o, requests, { name, label = "bare grpc-js", ...rest }) {
  const answers = {};
  for (const r of Object.values(requests))
    if (r.answer) answers[r.methodPath] = Buffer.from(r.answer).toString("base64");
  const responsesFile = path.join(work, "bare-responses.json");
  writeFileSync(responsesFile, JSON.stringify(answers, null, 2) + "\n");
  return startBareServer({
    root,
    cpus: o.serverCpus,
    responsesFile,
    label,
    logFile: path.join(work, `logs/${name}.log`),
    ...rest,
  });
}

/** A baseline (bare, a floor) must send byte for byte what ours answered to `request`, or it measures other work. */
async function expectOursAnswer(server, request) {
  const bytes = await sampleCall(server, request);
  if (!Buffer.from(bytes).equals(Buffer.from(request.answer)))
    throw new Error(`${server.label} answers other bytes for ${request.methodPath} than ours`);
}

/**
 * Starts the no-op connector server and the bare server that replays its answers. The answers are
 * captured from ours with a real client (grpc-status and content checked), so the bare server sends
 * byte-for-byte what ours sends.
 */
async function startPair(o, requests) {
  progress("starting flyte-connector serve --modules <no-op connector> --log-level warn");
  const ours = await startOurs(o, { name: "serve-warn" });
  for (const request of Object.values(requests)) request.answer = await sampleCall(ours, request);
  progress("starting the bare grpc-js server with the same answers");
  const bare = await startBare(o, requests, { name: "bare" });
  for (const request of Object.values(requests)) await expectOursAnswer(bare, request);
  return { ours, bare };
}

// --- the benches ----------------------------------------------------------------------------------------

/**
 * Does the per-call path log at the default level (info)? Starts the server at info, sends 20 calls of
 * each method and counts the lines its log gained. Methods that log get a row measured at info too.
 */
async function infoLinesPerCall(o, requests) {
  const server = await startOurs(o, { name: "serve-info", logLevel: "info" });
  const lines = () => readFileSync(server.logFile, "utf8").split("\n").filter(Boolean).length;
  const perCall = {};
  await sleep(100); // let start-up lines land first
  for (const [key, request] of Object.entries(requests)) {
    const before = lines();
    for (let i = 0; i < 20; i++) await sampleCall(server, request);
    await sleep(100);
    perCall[key] = (lines() - before) / 20;
  }
  return { server, perCall };
}

/** The rows of the load table; targets are issue 11's, at 64 streams. */
const LOAD_ROWS = [
  {
    bench: "gettask",
    key: "getTask",
    label: "GetTask (no-op connector)",
    streams: [1, 16, 64],
    throughputGoal: 0.85,
    p99Goal: 1.2,
  },
  {
    bench: "list",
    key: "listConnectors",
    label: "ListConnectors",
    streams: [1, 16, 64],
    throughputGoal: 0.95,
    p99Goal: 1.2,
  },
  { bench: "create", key: "createTask", label: "CreateTask (20 inputs)", streams: [1, 64] },
];

/** GetTask, ListConnectors and CreateTask under load, ours against bare, row by row. */
async function loadBenches(o, requests, results) {
  const { ours, bare } = await startPair(o, requests);
  let info;
  try {
    progress("counting log lines per call at --log-level info");
    info = await infoLinesPerCall(o, requests);
    results.logLinesPerCallAtInfo = info.perCall;
    results.load = [];
    for (const spec of LOAD_ROWS.filter((r) => o.benches.includes(r.bench))) {
      const variants = [{ server: ours, level: "warn", streams: spec.streams }];
      // When the per-call path logs at info, measure that too, at the highest concurrency.
      if (info.perCall[spec.key] > 0)
        variants.push({ server: info.server, level: "info", streams: [Math.max(...spec.streams)] });
      for (const { server, level, streams: streamList } of variants) {
        for (const streams of streamList) {
          results.load.push(await loadRow(o, spec, requests[spec.key], { bare, server, level, streams }));
        }
      }
    }
  } finally {
    await Promise.all([ours.stop(), bare.stop(), info?.server.stop()]);
  }
}

async function loadRow(o, spec, request, { bare, server, level, streams }) {
  progress(`${spec.label}, ${streams} stream(s), ours at log level ${level}`);
  // A round measures both servers back to back; the order alternates (bare first in odd rounds, ours
  // first in even ones), so neither always runs right after the other's load (its garbage collection,
  // the machine's drift). Each round's own ratio is kept: this machine's speed moves by a third within
  // minutes, which a ratio of medians taken apart would mix in.
  const bareRuns = [];
  const ourRuns = [];
  for (let round = 1; round <= o.rounds; round++) {
    const pair = await undisturbed(o, async () => {
      const measure = (target, who) =>
        measureLoad(o, work, target, request, { streams, name: `${spec.key}-${streams}-${who}-${round}` });
      const bareFirst = round % 2 === 1;
      const first = await measure(bareFirst ? bare : server, bareFirst ? "bare" : level);
      const second = await measure(bareFirst ? server : bare, bareFirst ? level : "bare");
      const [b, r] = bareFirst ? [first, second] : [second, first];
      return { bare: b, ours: r, otherCores: Math.max(b.otherCores, r.otherCores) };
    });
    bareRuns.push(pair.bare);
    ourRuns.push(pair.ours);
  }
  const b = aggregate(bareRuns);
  const r = aggregate(ourRuns);
  const paired = (k) => medianRatio(ourRuns, bareRuns, k);
  const row = {
    call: spec.label,
    method: request.methodPath,
    streams,
    connections: 1,
    logLevel: level,
    ours: r,
    bare: b,
    // Medians of the rounds' own ratios (the table's "×"); ours.rps / bare.rps can differ from it.
    throughputRatio: paired("rps"),
    p50Ratio: paired("p50Ms"),
    p99Ratio: paired("p99Ms"),
    otherCoresMax: Math.max(r.otherCoresMax, b.otherCoresMax),
  };
  if (streams === 64 && level === "warn" && spec.throughputGoal) {
    row.targets = {
      throughput: target(
        `${spec.label} throughput @64 streams`,
        row.throughputRatio,
        "min",
        spec.throughputGoal,
      ),
      p99: target(`${spec.label} p99 latency @64 streams`, row.p99Ratio, "max", spec.p99Goal),
    };
  }
  return row;
}

/**
 * GetTask at 64 streams from three servers in each round — bare, the per-call floor
 * (fixtures/call-floor.cjs: the generated codecs and an awaited no-op `get`, nothing else) and ours —
 * in an order that rotates by round. The floor against bare is what decoding, a promise and encoding
 * cost any server; ours against the floor is what the runtime adds. Ratios are the rounds' own.
 */
async function callFloorBench(o, requests, results) {
  const request = requests.getTask;
  const { ours, bare } = await startPair(o, { getTask: request });
  let floor;
  try {
    progress("starting the per-call floor (tools/bench/fixtures/call-floor.cjs)");
    floor = await startFixtureServer({
      root,
      cpus: o.serverCpus,
      fixture: "call-floor.cjs",
      label: "call floor",
      logFile: path.join(work, "logs/call-floor.log"),
    });
    await expectOursAnswer(floor, request);
    const servers = { bare, floor, ours };
    const runs = { bare: [], floor: [], ours: [] };
    const streams = 64;
    progress(`GetTask, ${streams} streams: bare, floor and ours in each round`);
    for (let round = 1; round <= o.rounds; round++) {
      const names = Object.keys(servers);
      const order = names.map((_, i) => names[(i + round - 1) % names.length]);
      const set = await undisturbed(o, async () => {
        const got = {};
        for (const who of order)
          got[who] = await measureLoad(o, work, servers[who], request, {
            streams,
            name: `floor-${who}-${round}`,
          });
        return { ...got, otherCores: Math.max(...order.map((who) => got[who].otherCores)) };
      });
      for (const who of names) runs[who].push(set[who]);
    }
    const paired = (a, b, k) => medianRatio(runs[a], runs[b], k);
    results.callFloor = {
      streams,
      bare: aggregate(runs.bare),
      floor: aggregate(runs.floor),
      ours: aggregate(runs.ours),
      floorVsBare: { rps: paired("floor", "bare", "rps"), p99: paired("floor", "bare", "p99Ms") },
      oursVsBare: { rps: paired("ours", "bare", "rps"), p99: paired("ours", "bare", "p99Ms") },
      oursVsFloor: { rps: paired("ours", "floor", "rps"), p99: paired("ours", "floor", "p99Ms") },
    };
  } finally {
    await Promise.all([ours.stop(), bare.stop(), floor?.stop()]);
  }
}

/** How many CPUs a taskset list names ("1", "0,1", "2-5"). */
function cpuCount(list) {
  return String(list)
    .split(",")
    .reduce((n, part) => {
      const [a, b] = part.split("-").map(Number);
      return n + (b === undefined ? 1 : b - a + 1);
    }, 0);
}

/**
 * --workers 2 against --workers 1. Four connections × 16 streams: node:cluster hands each worker whole
 * connections, so over one connection one worker would do everything. Two workers need two server
 * CPUs: given only one (the default on a 2-core machine), server and h2load share all the CPUs of both
 * lists, the same way in both runs.
 */
async function workersBench(o, requests, results) {
  const request = requests.getTask;
  const shared = cpuCount(o.serverCpus) < 2;
  const serverCpus = shared ? `${o.serverCpus},${o.loadCpus}` : o.serverCpus;
  const loadCpus = shared ? serverCpus : o.loadCpus;
  const rows = [];
  for (const workers of [1, 2]) {
    progress(`GetTask, 64 streams over 4 connections, --workers ${workers}`);
    const server = await startOurs(o, { name: `serve-workers-${workers}`, workers, cpus: serverCpus });
    try {
      request.answer ??= await sampleCall(server, request);
      await sleep(o.idleMs); // every worker up, not just the first to answer health
      const runs = [];
      for (let round = 1; round <= o.rounds; round++) {
        const load = { streams: 16, connections: 4, cpus: loadCpus, name: `workers-${workers}-${round}` };
        runs.push(await undisturbed(o, () => measureLoad(o, work, server, request, load)));
      }
      rows.push({ workers, ...aggregate(runs), rssMb: treeRssMb(server.pid) });
    } finally {
      await server.stop();
    }
  }
  results.workers = {
    serverCpus,
    loadCpus,
    shared,
    connections: 4,
    streamsPerConnection: 16,
    rows,
    throughputRatio: rows[1].rps / rows[0].rps,
  };
}

/**
 * Start-up to SERVING (spawn → first health Check answering SERVING, detected the same way for both)
 * and idle RSS; median of `runs` alternating starts, after one unmeasured start of each so both find
 * their files in the page cache. Ours runs at the default log level: with every installed connector
 * (found by discovery, and named with --modules as an image does), and with the no-op connector alone;
 * and the start-up floor (fixtures/startup-floor.cjs), to tell the server's own cost from its libraries'.
 */
async function coldStartBench(o, results) {
  const named = installedConnectorPackages();
  const start = {
    bare: () =>
      startBareServer({
        root,
        cpus: o.serverCpus,
        label: "bare grpc-js",
        logFile: path.join(work, "logs/bare-coldstart.log"),
      }),
    ours: () => startOurs(o, { name: "serve-coldstart", logLevel: "info", discover: true }),
    // The same packages named on the command line, as an image's entrypoint starts them: no discovery.
    oursNamed: () => startOurs(o, { name: "serve-coldstart-named", logLevel: "info", modules: named }),
    // The runtime alone, without any connector SDK: tells its own start-up cost from the connectors'.
    oursNoop: () => startOurs(o, { name: "serve-coldstart-noop", logLevel: "info" }),
    // What ours cannot go below without dropping a library or discovery: the same connectors discovered
    // and loaded, commander, pino and a grpc-js health answer, but none of the server's own code.
    floor: () =>
      startFixtureServer({
        root,
        cpus: o.serverCpus,
        fixture: "startup-floor.cjs",
        label: "start-up floor",
        logFile: path.join(work, "logs/floor-coldstart.log"),
      }),
  };
  const kinds = Object.keys(start);
  const samples = Object.fromEntries(kinds.map((k) => [k, []]));
  let discovered;
  const startOnce = async (which) => {
    const meter = cpuMeter();
    const server = await start[which]();
    const { otherCores } = meter();
    try {
      await sleep(o.idleMs);
      if (which === "ours") discovered ??= connectorTable(server.logFile);
      return { startupMs: server.startupMs, rssMb: memoryOf(server.pid).rssMb, otherCores };
    } finally {
      await server.kill();
    }
  };
  // One unmeasured start of each first, so all find their files in the page cache.
  for (const which of kinds) await startOnce(which);
  for (let run = 1; run <= o.runs; run++) {
    const set = await undisturbed(o, async () => {
      const got = {};
      for (const which of kinds) got[which] = await startOnce(which);
      return { ...got, otherCores: Math.max(...kinds.map((k) => got[k].otherCores)) };
    });
    for (const which of kinds) samples[which].push(set[which]);
    progress(
      `start-up run ${run}/${o.runs}: ${kinds.map((k) => `${k} ${fixed(set[k].startupMs, 0)} ms`).join(", ")}`,
    );
  }
  // Ratios are taken within each run, whose starts follow one another, and their median reported: this
  // machine's speed drifts by a third within minutes (docs/performance.md), which a ratio of medians taken
  // over separate minutes would mix into the result.
  const summary = (k) => ({
    startupMs: median(samples[k].map((x) => x.startupMs)),
    startupRatio: medianRatio(samples[k], samples.bare, "startupMs"),
    rssMb: median(samples[k].map((x) => x.rssMb)),
    rssRatio: medianRatio(samples[k], samples.bare, "rssMb"),
    otherCoresMax: Math.max(...samples[k].map((x) => x.otherCores)),
    samples: samples[k],
  });
  const [bare, ours, oursNamed, oursNoop, floor] = kinds.map(summary);
  // Ours against the floor, run by run as against bare: what the server's own code adds at start-up.
  floor.oursRatio = medianRatio(samples.ours, samples.floor, "startupMs");
  floor.oursOverMs = median(samples.ours.map((x, i) => x.startupMs - samples.floor[i].startupMs));
  results.coldStart = {
    runs: o.runs,
    discovered,
    ours,
    oursNamed,
    oursNoop,
    floor,
    bare,
    startupRatio: ours.startupRatio,
    rssRatio: ours.rssRatio,
    target: target("cold start to SERVING (all connectors)", ours.startupRatio, "max", 1.5),
  };
}

/** The connector packages `flyte-connector list` finds from the repo root (what `serve` discovers there). */
function installedConnectorPackages() {
  const cli = path.join(root, "packages/runtime/dist/cli/main.js");
  const listed = execFileSync(process.execPath, [cli, "list"], { cwd: root, encoding: "utf8" });
  const packages = [...new Set((parseConnectorTable(listed) ?? []).map((row) => row.module))];
  if (packages.length === 0)
    throw new Error(`\`flyte-connector list\` found no connector package:\n${listed}`);
  return packages;
}

/** The connector table `serve` prints at start (what discovery found), for the report. */
function connectorTable(logFile) {
  return parseConnectorTable(readFileSync(logFile, "utf8"));
}

/** The rows of a connector table (`serve`'s start-up output, `list`'s output); undefined without one. */
function parseConnectorTable(text) {
  const lines = text.split("\n");
  const first = lines.findIndex((l) => l.startsWith("CONNECTOR"));
  if (first < 0) return undefined;
  const rows = [];
  for (const line of lines.slice(first + 1)) {
    if (!line.trim() || line.startsWith("{")) break;
    const [name, taskType, version, module] = line.trim().split(/\s{2,}/);
    rows.push({ name, taskType, version, module });
  }
  return rows;
}

/**
 * RSS at start, after `calls` GetTask calls (one checked fixed-count run), and the peak, for ours and
 * bare. Ours first: the bare server replays ours' answer.
 */
async function rssBench(o, requests, results) {
  const request = requests.getTask;
  results.rss = { calls: o.calls };
  for (const which of ["ours", "bare"]) {
    const server =
      which === "ours"
        ? await startOurs(o, { name: "serve-rss" })
        : await startBare(o, requests, { name: "bare-rss" });
    try {
      request.answer ??= await sampleCall(server, request);
      await sleep(o.idleMs);
      const before = memoryOf(server.pid);
      progress(`${server.label}: ${o.calls} GetTask calls at 64 streams`);
      checkedRun(server, request, { cpus: o.loadCpus, streams: 64 }, o.calls);
      await sleep(o.idleMs);
      const after = memoryOf(server.pid);
      results.rss[which] = {
        startMb: before.rssMb,
        afterMb: after.rssMb,
        growthMb: after.rssMb - before.rssMb,
        peakMb: after.peakMb,
      };
    } finally {
      await server.stop();
    }
  }
}

/**
 * Both servers under `node --cpu-prof`, the same GetTask load (64 streams, a fixed count), and a
 * summary of the measured window only (start-up excluded): CPU µs per call for each, and for ours
 * where the time goes. The profile is written when the server exits cleanly (SIGTERM).
 */
async function profileBench(o, requests, results) {
  const request = requests.getTask;
  const calls = o.profileCalls;
  results.profile = {
    calls,
    note: "server CPU in the measured window only; sampled every 100 µs; profiling slows both servers",
  };
  for (const which of ["ours", "bare"]) {
    const dir = path.join(work, `profile/${which}`);
    rmSync(dir, { recursive: true, force: true });
    const nodeFlags = ["--cpu-prof", `--cpu-prof-dir=${dir}`, "--cpu-prof-interval=100"];
    const server =
      which === "ours"
        ? await startOurs(o, { name: "serve-profile", nodeFlags })
        : await startBare(o, requests, { name: "bare-profile", label: "bare grpc-js (profiled)", nodeFlags });
    let window;
    try {
      request.answer ??= await sampleCall(server, request);
      progress(`${server.label} under --cpu-prof: warm-up, then ${calls} GetTask calls at 64 streams`);
      const load = { cpus: o.loadCpus, streams: 64 };
      checkedRun(server, request, load, o.checkCalls * 2);
      // V8's profile timestamps and process.hrtime read the same monotonic clock.
      const fromUs = Number(process.hrtime.bigint() / 1000n);
      checkedRun(server, request, load, calls);
      window = { fromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
      results.profile[`${which}Rps`] = calls / ((window.toUs - window.fromUs) / 1e6);
    } finally {
      await server.stop({ graceMs: 10_000 });
    }
    const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    if (!file) throw new Error(`no .cpuprofile in ${dir}: the server did not exit cleanly`);
    results.profile[which] = summariseProfile(path.join(dir, file), { root, calls, window });
  }
}

// V8's predictable mode: no background threads and no time-driven heuristics. Valgrind runs a process's
// threads one at a time, so a GC helper spinning while it waits for another thread would count
// instructions that are no work, as many as the scheduling happens to allow; and the memory reducer and
// idle-time collections would run when the clock says, not when the calls say. So the same collections
// and compilations happen on the main thread at the same points, and a count repeats to ~0.1 % (two
// runs of the bare server: 226,880 and 226,837 instructions per call).
const INSTRUCTION_NODE_FLAGS = ["--predictable"];

/**
 * Instructions per GetTask call, ours against bare, counted by callgrind at 1 stream (see
 * lib/instructions.mjs): the per-call cost without the machine's drift. One server at a time; under
 * valgrind a server starts in ~10–30 s and answers ~400 calls/s.
 */
async function instructionsBench(o, requests, results) {
  const request = requests.getTask;
  const dir = path.join(work, "callgrind");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const counts = {};
  // Ours first: the bare server replays the answers captured from it. Then the per-call floor
  // (fixtures/call-floor.cjs), which sends the same bytes: what any server's codecs and promise count.
  for (const which of ["ours", "bare", "floor"]) {
    const name = `${which}-callgrind`;
    const start = {
      name,
      wrapper: callgrindWrapper(dir, name),
      nodeFlags: INSTRUCTION_NODE_FLAGS,
      startTimeoutMs: 180_000,
      // No keepalive ping: under valgrind a counted connection outlives the server's 60 s ping, and the
      // window holding that first ping counted ~9k (Node 20) to ~17k (Node 24) more instructions per call,
      // mostly V8 recompiling (a bare server given the same option counted as much; pinging every 5 s from
      // the start, nothing). The bare server never pings; in the real-time rows a connection lives seconds.
      ...(which === "ours" ? { serveArgs: ["--keepalive", "0"] } : {}),
    };
    const what = { ours: "flyte-connector serve (no-op)", bare: "bare grpc-js", floor: "the per-call floor" };
    progress(`starting ${what[which]} under valgrind`);
    const server =
      which === "ours"
        ? await startOurs(o, start)
        : which === "bare"
          ? await startBare(o, requests, { ...start, label: "bare grpc-js (callgrind)" })
          : await startFixtureServer({
              root,
              cpus: o.serverCpus,
              fixture: "call-floor.cjs",
              label: "call floor (callgrind)",
              logFile: path.join(work, `logs/${name}.log`),
              ...start,
            });
    try {
      request.answer ??= await sampleCall(server, request);
      if (which === "floor") await expectOursAnswer(server, request);
      counts[which] = countInstructions(server, request, {
        dir,
        name,
        warmUpCalls: o.instructionWarmUpCalls,
        calls: o.instructionCalls,
        cpus: o.loadCpus,
      });
    } finally {
      await server.kill();
    }
  }
  const { ours, bare, floor } = counts;
  const withoutCompiler = (x) => x.perCall - x.compilerPerCall;
  results.instructions = {
    method: "GetTask",
    streams: 1,
    warmUpCalls: o.instructionWarmUpCalls,
    ours,
    bare,
    floor,
    ratio: ours.perCall / bare.perCall,
    ratioWithoutCompiler: withoutCompiler(ours) / withoutCompiler(bare),
    floorRatio: floor.perCall / bare.perCall,
    floorRatioWithoutCompiler: withoutCompiler(floor) / withoutCompiler(bare),
  };
}

// --- main -----------------------------------------------------------------------------------------------

async function main() {
  let o;
  try {
    o = parseOptions(process.argv.slice(2), path.join(work, "results.json"));
  } catch (error) {
    process.stderr.write(`bench: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (o.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  if (o.version) {
    const runtime = JSON.parse(
      readFileSync(path.join(root, "packages/runtime/package.json"), "utf8"),
    ).version;
    process.stdout.write(`flyte-connectors bench ${BENCH_VERSION} (@flyte-connectors/runtime ${runtime})\n`);
    return 0;
  }

  const cli = path.join(root, "packages/runtime/dist/cli/main.js");
  if (!existsSync(cli))
    throw new Error(`${path.relative(root, cli)} is missing: run \`npm run build\` first`);
  const started = Date.now();
  mkdirSync(work, { recursive: true });
  // This script mostly waits while h2load runs; keep it (and h2load, its child) off the server's CPU.
  if (!pinSelf(o.loadCpus))
    progress("taskset not found (Debian package util-linux): nothing is pinned, numbers are noisier");
  const h2loadVersion = o.benches.some((b) => b !== "coldstart")
    ? ensureH2load({ install: o.install })
    : undefined;
  // Checked now, not when its bench comes last, a quarter of an hour in.
  if (o.benches.includes("instructions")) ensureDebianCommand("valgrind", "valgrind", { install: o.install });
  const { help: _h, version: _v, json: _j, out: _o, install: _i, ...options } = o;
  const results = {
    bench: BENCH_VERSION,
    startedAt: new Date(started).toISOString(),
    machine: machineInfo(root, h2loadVersion),
    options,
  };
  progress(`benches: ${o.benches.join(", ")}${o.quick ? " (quick)" : ""}`);

  const requests = buildRequests(await loadUpstream(root));
  for (const [key, request] of Object.entries(requests))
    request.body = bodyFile(path.join(work, "bodies"), key, request.bytes);

  if (o.benches.some((b) => ["gettask", "list", "create"].includes(b)))
    await loadBenches(o, requests, results);
  if (o.benches.includes("callfloor")) await callFloorBench(o, requests, results);
  if (o.benches.includes("workers")) await workersBench(o, requests, results);
  if (o.benches.includes("coldstart")) await coldStartBench(o, results);
  if (o.benches.includes("rss")) await rssBench(o, requests, results);
  if (o.benches.includes("profile")) await profileBench(o, requests, results);
  if (o.benches.includes("instructions")) await instructionsBench(o, requests, results);

  results.requests = Object.fromEntries(
    Object.entries(requests).map(([key, r]) => [
      key,
      {
        method: r.methodPath,
        requestBytes: r.bytes.length,
        answerBytes: r.answer?.length,
        inputs: r.inputCount,
      },
    ]),
  );
  results.targets = collectTargets(results);
  results.elapsedS = Math.round((Date.now() - started) / 1000);
  results.waitedForQuietS = waited.seconds;
  mkdirSync(path.dirname(o.out), { recursive: true });
  writeFileSync(o.out, JSON.stringify(results, null, 2) + "\n");
  if (o.json) {
    process.stdout.write(JSON.stringify(results, null, 2) + "\n");
  } else {
    const waitNote =
      waited.seconds > 0 ? ` (${waited.seconds} s of it waiting for other processes to leave the CPUs)` : "";
    process.stdout.write(
      `${render(results)}\n\nJSON: ${path.relative(process.cwd(), o.out)}; took ${results.elapsedS} s${waitNote}\n`,
    );
  }
  return 0;
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

main().then(
  (code) => process.exit(code),
  (error) => {
    killAll();
    // A plain Error is a finding (a server answered wrong, h2load is missing): its message says it all.
    // Anything else (a TypeError…) is a bug of the bench: show where.
    process.stderr.write(
      `bench: ${error?.constructor === Error ? error.message : (error?.stack ?? error)}\n`,
    );
    process.exit(1);
  },
);
