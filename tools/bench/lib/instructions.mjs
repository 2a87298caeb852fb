// Instructions per call, counted by valgrind's callgrind: a measure of what a call costs that the
// machine's speed does not move. On a shared VM a server's throughput drifts by a third within minutes
// (docs/performance.md), so a few percent of per-call work cannot be seen in the load table; the count
// of instructions executed for a fixed number of calls, under V8's --predictable, repeats to ~0.1 %.
//
// Both servers run under `valgrind --tool=callgrind --instr-atstart=no`: nothing is counted until
// `callgrind_control -i on`, given after the warm-up, and `-i off` plus a dump end the window. Calls go
// one at a time (1 stream), so neither server's count depends on how many answers share a write — under
// valgrind the slower server would batch more and look cheaper. Garbage collection and JIT compilation
// count too (bench.mjs starts node with --predictable, which does both on the main thread); the
// compiler's share is reported apart because V8 still recompiles hot functions tens of thousands of
// calls in.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { checkedRun } from "./measure.mjs";
import { progress } from "./system.mjs";

/** V8's optimizing compiler (TurboFan), by the C++ names callgrind reports. */
const COMPILER =
  /v8::internal::compiler::|v8::internal::turboshaft::|OptimizedCompilationJob|PipelineCompilationJob/;

/**
 * The valgrind command line that wraps `node`: callgrind, counting off until told, one output file per
 * process (`%p`) in `dir`.
 */
export function callgrindWrapper(dir, name) {
  return [
    "valgrind",
    "--tool=callgrind",
    "--instr-atstart=no",
    `--callgrind-out-file=${path.join(dir, `${name}.%p`)}`,
    "--dump-instr=no",
    "--collect-jumps=no",
  ];
}

function control(pid, ...args) {
  const r = spawnSync("callgrind_control", [...args, String(pid)], { encoding: "utf8" });
  if (r.status !== 0)
    throw new Error(`callgrind_control ${args.join(" ")} ${pid} failed: ${r.stderr || r.stdout}`);
}

/**
 * Counts the instructions `server` (started under `callgrindWrapper`) executes for `calls` calls of
 * `request` after `warmUpCalls` uncounted ones. Returns totals for the window: all, and the compiler's.
 */
export function countInstructions(server, request, { dir, name, warmUpCalls, calls, cpus }) {
  const load = { cpus, streams: 1 };
  progress(
    `${server.label} under callgrind: ${warmUpCalls} calls uncounted, then ${calls} counted (1 stream)`,
  );
  checkedRun(server, request, load, warmUpCalls);
  control(server.pid, "--instr=on");
  checkedRun(server, request, load, calls);
  control(server.pid, "--instr=off");
  control(server.pid, "--dump");
  const files = readdirSync(dir)
    .filter((f) => f.startsWith(`${name}.`))
    .map((f) => path.join(dir, f));
  // `<name>.<pid>.<n>` is the n-th dump; `<name>.<pid>` is written (all zero: counting was off) at exit.
  const counted = files.filter((f) => /\.\d+\.\d+$/.test(f));
  if (counted.length === 0) throw new Error(`callgrind wrote no dump for ${server.label} in ${dir}`);
  let total = 0;
  let compiler = 0;
  for (const file of counted) {
    const r = spawnSync("callgrind_annotate", ["--threshold=100", file], {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) throw new Error(`callgrind_annotate ${file} failed: ${r.stderr}`);
    for (const line of r.stdout.split("\n")) {
      const m = /^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$/.exec(line);
      if (!m) continue;
      const n = Number(m[1].replaceAll(",", ""));
      if (m[2].includes("PROGRAM TOTALS")) total += n;
      else if (COMPILER.test(m[2])) compiler += n;
    }
  }
  return { calls, total, compiler, perCall: total / calls, compilerPerCall: compiler / calls };
}
