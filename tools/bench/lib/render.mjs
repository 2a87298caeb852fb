// The text report of a results object (the JSON holds every number shown, and more).
import { BUSY_CORES } from "./measure.mjs";
import { count, fixed, ratio, table, targetCell, targetLines } from "./report.mjs";

/** Cores used by other processes, flagged when that disturbed the measurement. */
const other = (cores) => `${fixed(cores, 2)}${cores > BUSY_CORES ? " !" : "  "}`;

/** Every target check in the results, in report order. */
export function collectTargets(results) {
  const targets = [];
  for (const row of results.load ?? [])
    if (row.targets) targets.push(row.targets.throughput, row.targets.p99);
  if (results.coldStart) targets.push(results.coldStart.target);
  return targets;
}

function header(results) {
  const m = results.machine;
  const o = results.options;
  return [
    `flyte-connectors bench ${results.bench} — ${results.startedAt}${o.quick ? "  (QUICK: rough numbers)" : ""}`,
    `packages at ${m.packagesCommit} (HEAD ${m.commit}${m.dirty ? ", with uncommitted changes" : ""}); ` +
      `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.kernel}; Node ${m.node}; ` +
      `${m.h2load ?? "no h2load"}; grpc-js ${m.grpcJs}`,
    `server pinned to CPU ${o.serverCpus}, h2load to CPU ${o.loadCpus}; per run ${o.durationS} s measured after ` +
      `${o.warmUpS} s warm-up; medians of ${o.rounds} round(s), "×" the median of the rounds' own ratios`,
    `"other CPU": the most cores that processes outside the bench used during a row's runs ` +
      `(0 on a quiet machine; "!": above ${BUSY_CORES}, the row was disturbed)`,
  ];
}

function loadSection(results) {
  const out = [
    "",
    "Calls under load — h2load, 1 connection; ours = flyte-connector serve with the no-op connector; " +
      "bare = grpc-js answering the same bytes",
  ];
  const head = ["call", "streams", "log", "ours/s", "bare/s", "×", "target"];
  head.push("p50 ms", "bare", "×", "p99 ms", "bare", "×", "target", "other CPU");
  const rows = results.load.map((r) => [
    r.call,
    r.streams,
    r.logLevel,
    count(r.ours.rps),
    count(r.bare.rps),
    ratio(r.throughputRatio),
    targetCell(r.targets?.throughput),
    fixed(r.ours.p50Ms, 3),
    fixed(r.bare.p50Ms, 3),
    ratio(r.p50Ratio),
    fixed(r.ours.p99Ms, 3),
    fixed(r.bare.p99Ms, 3),
    ratio(r.p99Ratio),
    targetCell(r.targets?.p99),
    other(r.otherCoresMax),
  ]);
  out.push(table(head, rows, 3));
  const lines = results.logLinesPerCallAtInfo;
  if (lines) {
    const logging = Object.keys(lines).filter((k) => lines[k] > 0);
    out.push(
      `log lines per call at the default level (info): ${Object.entries(lines)
        .map(([k, n]) => `${k} ${n}`)
        .join(", ")}.` +
        (logging.length
          ? ` So ${logging.join(", ")} is also measured at info (rows "info"); "warn" rows log nothing per call.`
          : ""),
    );
  }
  return out;
}

function workersSection(w) {
  const where = w.shared
    ? `server and h2load share CPUs ${w.serverCpus}`
    : `server on CPUs ${w.serverCpus}, h2load on ${w.loadCpus}`;
  return [
    "",
    `--workers — GetTask, ${w.connections} connections × ${w.streamsPerConnection} streams; ${where}`,
    table(
      ["server", "calls/s", "p50 ms", "p99 ms", "RSS MiB (all processes)", "other CPU"],
      w.rows.map((r) => [
        `--workers ${r.workers}`,
        count(r.rps),
        fixed(r.p50Ms, 3),
        fixed(r.p99Ms, 3),
        fixed(r.rssMb, 1),
        other(r.otherCoresMax),
      ]),
    ),
    `--workers 2 / --workers 1 throughput: ${ratio(w.throughputRatio)}`,
  ];
}

function coldStartSection(c) {
  const found = (c.discovered ?? []).map((d) => d.taskType).join(", ") || "?";
  const otherCores = Math.max(
    c.ours.otherCoresMax,
    c.oursNamed?.otherCoresMax ?? 0,
    c.oursNoop?.otherCoresMax ?? 0,
    c.floor?.otherCoresMax ?? 0,
    c.bare.otherCoresMax,
  );
  // Ratios are medians of each run's ratio (results before they were recorded: ratios of the medians).
  const row = (name, s, t) => [
    name,
    fixed(s.startupMs, 0),
    ratio(s.startupRatio ?? s.startupMs / c.bare.startupMs),
    targetCell(t),
    fixed(s.rssMb, 1),
    ratio(s.rssRatio ?? s.rssMb / c.bare.rssMb),
  ];
  return [
    "",
    `Start-up — spawn to the first health Check answering SERVING, and RSS when idle; medians of ${c.runs} starts, ` +
      `× bare the median of each run's ratio ` +
      `(other CPU ${other(otherCores).trim()}); installed connectors: ${found}`,
    table(
      ["server", "start-up ms", "× bare", "target", "idle RSS MiB", "× bare"],
      [
        row("serve, every installed connector", c.ours, c.target),
        ...(c.oursNamed ? [row("serve, the same named (--modules)", c.oursNamed)] : []),
        ...(c.oursNoop ? [row("serve, the no-op connector only", c.oursNoop)] : []),
        ...(c.floor ? [row("floor: the same discovered, no server (*)", c.floor)] : []),
        row("bare grpc-js", c.bare),
      ],
    ),
    ...(c.floor
      ? [
          "(*) tools/bench/fixtures/startup-floor.cjs: commander, a pino logger, the runtime's loader discovering and",
          "    loading the same connectors, and grpc-js answering health — what serve pays before its own code. " +
            `serve over it: ${ratio(c.floor.oursRatio)}, +${fixed(c.floor.oursOverMs, 0)} ms (medians of each run's)`,
        ]
      : []),
  ];
}

function rssSection(r, idleMs) {
  const name = { ours: "ours (no-op)", bare: "bare grpc-js" };
  return [
    "",
    `Memory — RSS before and after ${count(r.calls)} GetTask calls (64 streams), each read after ${idleMs / 1000} s idle`,
    table(
      ["server", "start MiB", "after MiB", "growth MiB", "peak MiB"],
      ["ours", "bare"]
        .filter((k) => r[k])
        .map((k) => [
          name[k],
          fixed(r[k].startMb, 1),
          fixed(r[k].afterMb, 1),
          fixed(r[k].growthMb, 1),
          fixed(r[k].peakMb, 1),
        ]),
    ),
  ];
}

/** Areas side by side: what ours spends per call in each, what bare spends, and the difference. */
function areaTable(p) {
  const perCall = (list) => new Map(list.map((a) => [a.name, (a.ms * 1000) / p.calls]));
  const ours = perCall(p.ours.areas);
  const bare = perCall(p.bare.areas);
  const names = [...new Set([...ours.keys(), ...bare.keys()])].sort(
    (a, b) => (ours.get(b) ?? 0) - (ours.get(a) ?? 0),
  );
  return table(
    ["area", "ours", "bare", "ours − bare"],
    names.map((n) => [
      n,
      fixed(ours.get(n) ?? 0, 1),
      fixed(bare.get(n) ?? 0, 1),
      fixed((ours.get(n) ?? 0) - (bare.get(n) ?? 0), 1),
    ]),
  );
}

function profileSection(p) {
  const ranked = (title, list) =>
    table(
      [title, "% busy", "µs/call"],
      list.slice(0, 12).map((f) => [f.name, fixed(f.pctOfBusy, 1), fixed((f.ms * 1000) / p.calls, 2)]),
    );
  return [
    "",
    `Profile — GetTask, 64 streams, ${count(p.calls)} calls, both servers under node --cpu-prof (slower than unprofiled)`,
    `CPU per call: ours ${fixed(p.ours.cpuUsPerCall, 1)} µs, bare ${fixed(p.bare.cpuUsPerCall, 1)} µs ` +
      `(${ratio(p.ours.cpuUsPerCall / p.bare.cpuUsPerCall)}); our packages' own code (self time): ${fixed(p.ours.oursSharePct, 1)} % of ours' busy time`,
    "Where the busy time goes, by area of the innermost frame (CPU µs per call):",
    areaTable(p),
    "Our functions by self time:",
    ranked("function", p.ours.oursSelf),
    "Our functions by own time (self + the library and Node code they call, up to the next function of ours;",
    "[→ grpc-js]: the part spent in grpc-js and below, i.e. transport work the bare server does too):",
    ranked("function", p.ours.oursOwn),
  ];
}

function callFloorSection(f) {
  const row = (name, s, vsBare) => [
    name,
    count(s.rps),
    vsBare ? ratio(vsBare.rps) : ratio(1),
    fixed(s.p50Ms, 3),
    fixed(s.p99Ms, 3),
    vsBare ? ratio(vsBare.p99) : ratio(1),
    other(s.otherCoresMax),
  ];
  return [
    "",
    `GetTask at ${f.streams} streams: the per-call floor — tools/bench/fixtures/call-floor.cjs decodes the request, ` +
      `parses the meta, awaits a no-op get and encodes the answer, nothing else; the three servers in every round`,
    table(
      ["server", "calls/s", "× bare", "p50 ms", "p99 ms", "× bare", "other CPU"],
      [
        row("ours (no-op connector)", f.ours, f.oursVsBare),
        row("floor", f.floor, f.floorVsBare),
        row("bare grpc-js", f.bare),
      ],
    ),
    `ours / floor: throughput ${ratio(f.oursVsFloor.rps)}, p99 ${ratio(f.oursVsFloor.p99)} (medians of the rounds' own ratios)`,
  ];
}

function instructionsSection(n) {
  const k = (x) => fixed(x / 1000, 1);
  // Results from before the floor was counted have no floor column.
  const floor = (cells) => (n.floor ? cells : []);
  const rows = [
    [
      "all",
      k(n.ours.perCall),
      k(n.bare.perCall),
      ratio(n.ratio),
      ...floor([k(n.floor?.perCall), ratio(n.floorRatio)]),
    ],
    [
      "without JIT compilation",
      k(n.ours.perCall - n.ours.compilerPerCall),
      k(n.bare.perCall - n.bare.compilerPerCall),
      ratio(n.ratioWithoutCompiler),
      ...floor([k(n.floor?.perCall - n.floor?.compilerPerCall), ratio(n.floorRatioWithoutCompiler)]),
    ],
  ];
  return [
    "",
    `Instructions per GetTask call — callgrind, 1 stream, ${count(n.ours.calls)} calls counted after ` +
      `${count(n.warmUpCalls)} uncounted; every thread (GC, JIT) included`,
    table(["instructions (thousands)", "ours", "bare", "×", ...floor(["floor (*)", "× bare"])], rows),
    ...floor([
      "(*) tools/bench/fixtures/call-floor.cjs: the generated codecs and an awaited no-op get, nothing else",
    ]),
  ];
}

export function render(results) {
  const out = header(results);
  if (results.load?.length) out.push(...loadSection(results));
  if (results.callFloor) out.push(...callFloorSection(results.callFloor));
  if (results.workers) out.push(...workersSection(results.workers));
  if (results.coldStart) out.push(...coldStartSection(results.coldStart));
  if (results.rss) out.push(...rssSection(results.rss, results.options.idleMs));
  if (results.profile) out.push(...profileSection(results.profile));
  if (results.instructions) out.push(...instructionsSection(results.instructions));
  if (results.targets.length) out.push("", "Targets (issue 11)", ...targetLines(results.targets));
  return out.join("\n");
}
