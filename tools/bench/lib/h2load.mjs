// h2load (Debian's nghttp2-client) as the gRPC load generator. A Node client saturates near 5k calls/s on
// this kind of machine, below what a bare grpc-js server answers, so it would measure itself; h2load, in
// C, does not. It speaks plain HTTP/2: the body file is the gRPC-framed request, and the headers
// `content-type: application/grpc` and `te: trailers` make it a gRPC call. It checks HTTP status only —
// grpc-status travels in trailers it ignores — so every load is bracketed by checks (see checkBytes).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ensureDebianCommand, percentile, pinned } from "./system.mjs";

/**
 * Makes sure h2load is on PATH: installs the Debian package nghttp2-client when allowed and possible
 * (root with apt-get), else fails naming the package. Returns its version line.
 */
export function ensureH2load({ install }) {
  ensureDebianCommand("h2load", "nghttp2-client", { install });
  return spawnSync("h2load", ["--version"], { encoding: "utf8" }).stdout.trim();
}

/** The 5-byte gRPC frame header (uncompressed, big-endian length) and the message. */
export function grpcFrame(message) {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  Buffer.from(message).copy(frame, 5);
  return frame;
}

/** Writes a request's frame where h2load reads it (`-d`), once per method. */
export function bodyFile(dir, name, message) {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.grpc`);
  writeFileSync(file, grpcFrame(message));
  return file;
}

function parseOutput(text) {
  const num = (re) => Number(re.exec(text)?.[1] ?? NaN);
  return {
    total: num(/requests: (\d+) total/),
    succeeded: num(/(\d+) succeeded/),
    failed: num(/(\d+) failed/),
    errored: num(/(\d+) errored/),
    status2xx: num(/status codes: (\d+) 2xx/),
    dataBytes: num(/\((\d+)\) data/),
  };
}

/**
 * One h2load run against `address` + `methodPath` with `body`.
 * - `requests`: a fixed count (`-n`), or `durationS` (`-D`) after `warmUpS` of unmeasured load.
 * - `connections` × `streams` concurrent calls (`-c`, `-m`): one connection, like the backend's channel,
 *   unless more are asked for.
 * - `logFile`: per-request latencies (h2load's --log-file logs only the measured phase), for percentiles.
 */
export function runH2load({
  address,
  methodPath,
  body,
  cpus,
  connections = 1,
  streams,
  requests,
  durationS,
  warmUpS = 0,
  logFile,
}) {
  const args = [
    "-c",
    String(connections),
    "-m",
    String(streams),
    "-t",
    "1",
    "-d",
    body,
    "-H",
    "content-type: application/grpc",
    "-H",
    "te: trailers",
  ];
  if (requests !== undefined) args.push("-n", String(requests));
  else args.push("-D", String(durationS), ...(warmUpS > 0 ? [`--warm-up-time=${warmUpS}`] : []));
  if (logFile) {
    rmSync(logFile, { force: true }); // h2load appends to an existing log
    args.push(`--log-file=${logFile}`);
  }
  args.push(`http://${address}${methodPath}`);
  const { command, args: argv } = pinned(cpus, "h2load", args);
  const r = spawnSync(command, argv, { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`h2load failed (${r.status}): ${r.stderr || r.stdout}`);
  const out = parseOutput(r.stdout);
  const result = { ...out, command: `h2load ${args.join(" ")}` };
  if (logFile) Object.assign(result, latencies(logFile, durationS));
  return result;
}

/**
 * Throughput and latency percentiles from h2load's log (tab-separated: start µs, HTTP status, duration
 * µs). Calls still in flight when the clock stops are logged with status 0 and left out.
 */
function latencies(logFile, durationS) {
  const durations = [];
  for (const line of readFileSync(logFile, "utf8").split("\n")) {
    const [, statusText, micros] = line.split("\t");
    if (statusText === "200") durations.push(Number(micros));
  }
  durations.sort((a, b) => a - b);
  return {
    completed: durations.length,
    rps: durations.length / durationS,
    p50Ms: percentile(durations, 50) / 1000,
    p99Ms: percentile(durations, 99) / 1000,
    meanMs: durations.reduce((a, b) => a + b, 0) / Math.max(1, durations.length) / 1000,
  };
}

/**
 * The in-load grpc-status check. A gRPC error is a trailers-only answer: HTTP 200 with no DATA at all.
 * So after a fixed-count run, every call answered with the expected message iff HTTP 200 count equals
 * the count and the DATA bytes equal count × the expected frame length exactly. (Timed runs count some
 * bytes of the warm-up, so only fixed-count runs are checked this way.)
 */
export function checkBytes(run, requests, frameBytes) {
  const problems = [];
  if (run.status2xx !== requests) problems.push(`${run.status2xx} of ${requests} calls answered HTTP 200`);
  if (run.failed > 0 || run.errored > 0) problems.push(`${run.failed} failed, ${run.errored} errored`);
  if (run.dataBytes !== requests * frameBytes) {
    problems.push(
      `${run.dataBytes} response bytes, expected ${requests} × ${frameBytes}: some calls answered an error (grpc-status ≠ 0)`,
    );
  }
  return problems;
}
