// Machine facts, CPU pinning, free ports, memory readings: what every bench step needs from the OS.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Progress goes to stderr so stdout stays the table (or the JSON with --json). */
export function progress(message) {
  process.stderr.write(`[bench] ${message}\n`);
}

export function hasCommand(name) {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

/**
 * Makes sure `command` is on PATH: installs the Debian package `pkg` when allowed and possible (root
 * with apt-get), else fails with the command that installs it.
 */
export function ensureDebianCommand(command, pkg, { install }) {
  if (hasCommand(command)) return;
  const canInstall = install && process.getuid?.() === 0 && hasCommand("apt-get");
  if (!canInstall) {
    throw new Error(
      `${command} is not installed. It comes with the Debian/Ubuntu package ${pkg}:\n` +
        `  sudo apt-get update && sudo apt-get install -y ${pkg}\n` +
        (install ? "" : "(--no-install was given, so the bench did not install it)"),
    );
  }
  progress(
    `${command} not found: installing the Debian package ${pkg} (apt-get update && apt-get install -y ${pkg})`,
  );
  for (const args of [["update"], ["install", "-y", pkg]]) {
    const r = spawnSync("apt-get", args, {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(" ")} failed; install ${pkg} by hand`);
  }
}

/**
 * CPU pinning. The server under test and the load generator each get their own core, so neither steals
 * cycles from the other and the bare server and ours compete on equal terms. `taskset -c <cpus> cmd`
 * execs the command, so the child's pid is the command's own (RSS readings need that).
 */
export function pinned(cpus, command, args) {
  if (cpus === undefined || !hasCommand("taskset")) return { command, args };
  return { command: "taskset", args: ["-c", String(cpus), command, ...args] };
}

/** Pins this (orchestrating) process, all its threads, to `cpus`, so it stays off the server's core. */
export function pinSelf(cpus) {
  if (!hasCommand("taskset")) return false;
  return (
    spawnSync("taskset", ["-a", "-p", "-c", String(cpus), String(process.pid)], { stdio: "ignore" })
      .status === 0
  );
}

/** A port nobody listens on right now (the kernel's choice); the caller binds it soon after. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resident set size and its peak, in MiB, from /proc (Linux). */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024 };
}

/** Sum of RSS over a process and its children (cluster workers), in MiB. */
export function treeRssMb(pid) {
  let total = memoryOf(pid).rssMb;
  let children = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
  } catch {
    // no children file: a single process
  }
  for (const child of children) total += treeRssMb(Number(child));
  return total;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The median of `a[i][key] / b[i][key]`: runs measured side by side (a round, a set of starts) compared
 * pair by pair, so the machine's drift between pairs stays out of the ratio.
 */
export function medianRatio(a, b, key) {
  return median(a.map((x, i) => x[key] / b[i][key]));
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function git(root, args) {
  try {
    return execFileSync("git", args, {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

/** What the results depend on: CPU, cores, kernel, Node, the commit measured and whether it was clean. */
export function machineInfo(root, h2loadVersion) {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    h2load: h2loadVersion,
    grpcJs: createRequire(path.join(root, "package.json"))("@grpc/grpc-js/package.json").version,
    commit: git(root, ["rev-parse", "--short", "HEAD"]),
    // The last commit that changed what is measured (the packages), whatever bench commits sit on top.
    packagesCommit: git(root, ["log", "-1", "--format=%h", "--", "packages"]),
    dirty: (git(root, ["status", "--porcelain", "--untracked-files=no"]) ?? "") !== "",
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

// --- interference: CPU used by processes other than the ones measured ------------------------------------

const HZ = 100; // USER_HZ: the unit of /proc/stat and /proc/<pid>/stat times on Linux

function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** utime+stime of a process and its live children, plus the times of children it has reaped. */
function processTicks(pid) {
  try {
    // Fields after the ")" that ends the command name: state is field 3, utime 14 … cstime 17.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const own = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    return own + childrenOf(pid).reduce((sum, child) => sum + processTicks(child), 0);
  } catch {
    return 0;
  }
}

function machineTicks() {
  const [, ...v] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = v.map(Number);
  return { busy: user + nice + system + irq + softirq, steal, idle: idle + iowait };
}

/**
 * Starts measuring how much CPU the rest of the machine used while a run went on: everything busy minus
 * this process and its descendants (the servers under test are its children; h2load, run with
 * spawnSync, is reaped into its cutime). `stop()` → `{ otherCores, stealCores }` averaged over the run.
 * Other sessions' builds on a shared machine show up here, so a disturbed run can be told from a slow
 * server.
 */
export function cpuMeter() {
  const t0 = process.hrtime.bigint();
  const m0 = machineTicks();
  const p0 = processTicks(process.pid);
  return () => {
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const m1 = machineTicks();
    const other = m1.busy - m0.busy - (processTicks(process.pid) - p0);
    return {
      otherCores: Math.max(0, other) / HZ / seconds,
      stealCores: (m1.steal - m0.steal) / HZ / seconds,
    };
  };
}
