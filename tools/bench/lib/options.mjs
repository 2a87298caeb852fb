// Command-line options of `npm run bench`, with the defaults of a full run and of --quick.
import { parseArgs } from "node:util";

export const BENCHES = {
  gettask: "GetTask through the no-op connector vs bare grpc-js, at 1, 16 and 64 streams",
  list: "ListConnectors vs bare grpc-js, at 1, 16 and 64 streams",
  create: "CreateTask with a 20-input template vs bare grpc-js, at 1 and 64 streams",
  workers: "--workers 2 against --workers 1 (GetTask, 64 streams over 4 connections)",
  callfloor:
    "GetTask at 64 streams: ours and the per-call floor (decode, await a connector, encode) against bare grpc-js",
  coldstart:
    "start-up to SERVING and idle RSS: serve with every installed connector, and the start-up floor, vs bare grpc-js",
  rss: "RSS after 100k GetTask calls, against RSS at start (and the bare server's)",
  profile: "CPU profile of both servers under GetTask load: where ours spends its time (not run by default)",
  instructions:
    "instructions per GetTask call, ours vs bare, counted under valgrind: what the machine's drift does not move",
};
const DEFAULT_BENCHES = Object.keys(BENCHES).filter((b) => b !== "profile");

export const USAGE = `Usage: npm run bench -- [options]        (or: node tools/bench/bench.mjs [options])

Measures the connector server against a bare @grpc/grpc-js server in the same run, with h2load as the
load generator; prints a table and writes JSON (tmp/bench/results.json). Needs \`npm run build\` first.
Progress goes to stderr. See docs/performance.md.

Benches (all but profile run by default):
${Object.entries(BENCHES)
  .map(([k, v]) => `  ${k.padEnd(12)} ${v}`)
  .join("\n")}

Options:
  --quick               short runs, one round: a smoke check (~3 min); numbers are rough
  --only <names>        comma-separated benches to run, e.g. --only gettask,list
  --profile             also run the profile bench (servers under node --cpu-prof)
  --duration <s>        seconds measured per load run (default 5; --quick 2)
  --warm-up <s>         seconds of unmeasured load before each measured run (default 1)
  --rounds <n>          bare/ours pairs per row, in alternating order; medians are reported, "×" being
                        the median of each round's own ratio (default 4; --quick 1)
  --max-wait <s>        before each round, wait up to this long while other processes keep the CPUs
                        busy (default 30; --quick 0: never wait). Waits are reported.
  --retries <n>         measure a round again, up to n times, when other processes used more than 0.2
                        cores during it; the least disturbed try is kept (default 2; --quick 0)
  --runs <n>            start-ups per server for coldstart, medians taken (default 7; --quick 3)
  --calls <n>           GetTask calls for the rss bench (default 100000; --quick 10000)
  --server-cpus <list>  CPUs the server under test is pinned to (taskset -c; default 1)
  --load-cpus <list>    CPUs h2load and this script are pinned to (default 0)
  --out <file>          where the JSON goes (default tmp/bench/results.json)
  --json                print the JSON on stdout instead of the table
  --no-install          never install h2load (Debian nghttp2-client) or valgrind when missing
  --help, --version`;

function positive(name, text, fallback, integer) {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!(n > 0) || (integer && !Number.isInteger(n))) {
    throw new Error(`--${name} takes a positive ${integer ? "integer" : "number"}, not "${text}"`);
  }
  return n;
}

/** Parses argv; throws with a message for the user on a bad option. */
export function parseOptions(argv, defaultOut) {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      profile: { type: "boolean", default: false },
      duration: { type: "string" },
      "warm-up": { type: "string" },
      rounds: { type: "string" },
      "max-wait": { type: "string" },
      retries: { type: "string" },
      runs: { type: "string" },
      calls: { type: "string" },
      "server-cpus": { type: "string", default: "1" },
      "load-cpus": { type: "string", default: "0" },
      out: { type: "string", default: defaultOut },
      json: { type: "boolean", default: false },
      "no-install": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
      version: { type: "boolean", default: false },
    },
  });
  const q = v.quick;
  const named = v.only
    ? v.only
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : [...DEFAULT_BENCHES];
  for (const b of named) {
    if (!(b in BENCHES)) throw new Error(`unknown bench "${b}"; known: ${Object.keys(BENCHES).join(", ")}`);
  }
  if (v.profile) named.push("profile");
  return {
    help: v.help,
    version: v.version,
    json: v.json,
    out: v.out,
    quick: q,
    install: !v["no-install"],
    benches: Object.keys(BENCHES).filter((b) => named.includes(b)), // a fixed order, whatever was typed
    durationS: positive("duration", v.duration, q ? 2 : 5, false),
    warmUpS: positive("warm-up", v["warm-up"], 1, false),
    rounds: positive("rounds", v.rounds, q ? 1 : 4, true),
    maxWaitS: v["max-wait"] === "0" ? 0 : positive("max-wait", v["max-wait"], q ? 0 : 30, false),
    retries: v.retries === "0" ? 0 : positive("retries", v.retries, q ? 0 : 2, true),
    runs: positive("runs", v.runs, q ? 3 : 7, true),
    calls: positive("calls", v.calls, q ? 10_000 : 100_000, true),
    // The fixed-count run before each measured run, whose response bytes prove every call answered OK.
    checkCalls: q ? 1000 : 4000,
    // Calls of the profile bench's measured window.
    profileCalls: q ? 30_000 : 200_000,
    // Under callgrind (~400 calls/s): V8 keeps optimising for tens of thousands of calls, and a window
    // of 20,000 calls holds enough collections that where one falls moves the count little.
    instructionWarmUpCalls: q ? 5_000 : 20_000,
    instructionCalls: q ? 1_000 : 20_000,
    // Idle time before reading RSS, and after a start-up before the next.
    idleMs: q ? 1000 : 2000,
    serverCpus: v["server-cpus"],
    loadCpus: v["load-cpus"],
  };
}
