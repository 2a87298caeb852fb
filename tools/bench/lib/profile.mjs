// Reads a V8 .cpuprofile (written by `node --cpu-prof`) and says where a server's CPU time went: by area
// (our packages, grpc-js, pino, prom-client, Node internals, GC) and by function of our own code. Plain
// JSON walking; no profiler library needed.
import { readFileSync } from "node:fs";
import path from "node:path";

/** Node's own JS, split where it tells something: abort signals cost per call what transport does. */
function nodeArea(url) {
  if (/abort_controller|domexception|event_target/.test(url))
    return "Node: AbortController, DOMException, EventTarget";
  if (/http2|node:net|stream_base|streams\//.test(url)) return "Node: http2, net, streams";
  if (/node:events|task_queues|timers|async_hooks/.test(url)) return "Node: events, timers, microtasks";
  if (/modules\//.test(url)) return "Node: module loading";
  return "Node: other";
}

/** Which part of the system a frame belongs to, from its script URL. */
function areaOf(frame, root) {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === "(idle)") return "idle";
    if (functionName === "(garbage collector)") return "GC";
    if (functionName === "(program)" || functionName === "(root)") return "V8 / native (program)";
    return "V8 / native (program)";
  }
  if (url.startsWith("node:")) return nodeArea(url);
  const file = url.startsWith("file://") ? decodeURIComponent(new URL(url).pathname) : url;
  const nm = file.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const parts = file.slice(nm + "/node_modules/".length).split("/");
    const name = parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
    if (!name.startsWith("@flyte-connectors/")) return name;
  }
  const rel = path.relative(root, file);
  const pkg = /^packages\/([^/]+)\//.exec(rel);
  if (pkg) return `ours: ${pkg[1]}`;
  if (rel.startsWith("tools/bench/")) return "ours: bench fixture (the no-op connector)";
  return "other";
}

const isOurs = (area) => area.startsWith("ours: ");

function label(frame, root) {
  const file = frame.url.startsWith("file://") ? decodeURIComponent(new URL(frame.url).pathname) : frame.url;
  return `${frame.functionName || "(anonymous)"}  ${path.relative(root, file)}:${frame.lineNumber + 1}`;
}

/**
 * Summarises one profile. `window` ({fromUs, toUs} on the monotonic clock, which V8's profile timestamps
 * and process.hrtime share) keeps only the samples of the measured load, not start-up; `calls`: how many
 * calls the server answered in it (for CPU µs per call). Returns areas and our functions by self time and by "own" time (self plus the library and Node
 * code it calls directly, up to the next function of ours).
 */
export function summariseProfile(file, { root, calls, window, top = 15 }) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);

  const areas = new Map();
  const selfOurs = new Map();
  const ownOurs = new Map();
  let busyUs = 0;
  let totalUs = 0;
  const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);

  // timeDeltas[i] is the time since the previous sample; charge it to sample i's frame.
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i] ?? 0;
    at += us;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    const node = byId.get(profile.samples[i]);
    const area = areaOf(node.callFrame, root);
    totalUs += us;
    add(areas, area, us);
    if (area === "idle") continue;
    busyUs += us;
    if (isOurs(area)) add(selfOurs, label(node.callFrame, root), us);
    // The innermost frame of ours on the stack owns this sample (self, or a library call it made).
    // Samples that pass through grpc-js on the way are transport work (sending the answer, which the
    // bare server does too) and are marked so, not blamed on the function that handed over the answer.
    let viaGrpc = false;
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id).callFrame;
      const frameArea = areaOf(frame, root);
      if (frameArea === "@grpc/grpc-js") viaGrpc = true;
      if (isOurs(frameArea)) {
        add(ownOurs, `${label(frame, root)}${viaGrpc ? "  [→ grpc-js]" : ""}`, us);
        break;
      }
    }
  }

  const pct = (us) => (100 * us) / Math.max(1, busyUs);
  const ranked = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: us / 1000, pctOfBusy: pct(us) }));
  return {
    file,
    wallMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    calls,
    cpuUsPerCall: calls ? busyUs / calls : undefined,
    areas: ranked(new Map([...areas].filter(([a]) => a !== "idle")), 30),
    oursSelf: ranked(selfOurs, top),
    oursOwn: ranked(ownOurs, top),
    oursSharePct: pct([...areas].filter(([a]) => isOurs(a)).reduce((s, [, us]) => s + us, 0)),
  };
}
