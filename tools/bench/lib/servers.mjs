// Starting and stopping the servers under test. The connector server is driven only through its built CLI
// (`flyte-connector serve`), the bare server through fixtures/bare-server.cjs; both are child processes
// pinned to the server CPU(s), with their output in tmp/bench/logs/ (a file: cheap to write, and there
// to read when something goes wrong).
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import path from "node:path";
import { waitServing } from "./grpc.mjs";
import { freePort, pinned, sleep } from "./system.mjs";

const running = new Set();

/** Kills whatever the bench started and left running (on error or Ctrl-C), by pid. */
export function killAll() {
  for (const child of running) {
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  running.clear();
}

function tail(file, lines = 15) {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** This environment minus the CLI's own settings (FLYTE_CONNECTOR_MODULES, LOG_LEVEL, …): flags decide. */
function cleanEnv() {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("FLYTE_CONNECTOR_") && k !== "LOG_LEVEL"),
  );
}

/**
 * Spawns `node <nodeArgs...>` pinned to `cpus`, waits for health SERVING on `port`, and returns a handle.
 * `startupMs` runs from just before spawn to the first SERVING answer.
 */
async function startNode({ label, root, cpus, nodeArgs, port, logFile, env, wrapper = [], startTimeoutMs }) {
  mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = openSync(logFile, "w");
  // `wrapper`: a command that runs node (valgrind …); its process is then the server's pid.
  const [program, ...programArgs] = [...wrapper, process.execPath, ...nodeArgs];
  const { command, args } = pinned(cpus, program, programArgs);
  const started = process.hrtime.bigint();
  const child = spawn(command, args, {
    cwd: root,
    stdio: ["ignore", fd, fd],
    env: { ...cleanEnv(), ...env },
  });
  closeSync(fd);
  running.add(child);
  const exited = new Promise((resolve) =>
    child.once("exit", (code, signal) => {
      running.delete(child);
      resolve(`${label} exited (${signal ?? code}) — last lines of ${logFile}:\n${tail(logFile)}`);
    }),
  );
  try {
    await waitServing(port, { exited, timeoutMs: startTimeoutMs });
  } catch (error) {
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {
      // gone already
    }
    throw error;
  }
  const startupMs = Number(process.hrtime.bigint() - started) / 1e6;
  return {
    label,
    pid: child.pid,
    port,
    address: `127.0.0.1:${port}`,
    startupMs,
    logFile,
    exited,
    /** Ends it at once (start-up runs: nothing to drain). */
    async kill() {
      if (!running.has(child)) return;
      child.kill("SIGKILL");
      await exited;
    },
    /** SIGTERM (graceful: a CPU profile is written only on a clean exit), SIGKILL after `graceMs`. */
    async stop({ graceMs = 5000 } = {}) {
      if (!running.has(child)) return;
      child.kill("SIGTERM");
      const late = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
      if (late) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}

/**
 * `flyte-connector serve` from the built CLI. `modules` undefined: discovery of every installed
 * connector package (run from the repo root). Ports are picked here, metrics port included: the CLI
 * would otherwise bind 9090 and clash with anything else on the machine. `serveArgs`: more flags.
 */
export async function startConnectorServer({
  root,
  cpus,
  modules,
  logLevel = "warn",
  workers = 1,
  nodeFlags = [],
  label,
  logFile,
  wrapper,
  startTimeoutMs,
  serveArgs = [],
}) {
  const cli = path.join(root, "packages/runtime/dist/cli/main.js");
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  const port = await freePort();
  const metricsPort = await freePort();
  const args = [
    ...nodeFlags,
    cli,
    "serve",
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--prometheus-port",
    String(metricsPort),
    "--log-level",
    logLevel,
    "--workers",
    String(workers),
    "--shutdown-grace",
    "1",
    ...serveArgs,
    ...(modules ? ["--modules", ...modules] : []),
  ];
  const server = await startNode({
    label,
    root,
    cpus,
    nodeArgs: args,
    port,
    logFile,
    env: {},
    wrapper,
    startTimeoutMs,
  });
  return { ...server, metricsPort, logLevel };
}

/** The bare grpc-js baseline, answering `responsesFile`'s bytes (or only health, without one). */
export async function startBareServer({
  root,
  cpus,
  responsesFile,
  label,
  logFile,
  nodeFlags = [],
  wrapper,
  startTimeoutMs,
}) {
  return startFixtureServer({
    root,
    cpus,
    fixture: "bare-server.cjs",
    args: responsesFile ? [responsesFile] : [],
    label,
    logFile,
    nodeFlags,
    wrapper,
    startTimeoutMs,
  });
}

/**
 * A server from `tools/bench/fixtures/<fixture>` (bare, the floors), started as
 * `node <nodeFlags...> <fixture> <port> [args...]`, answering health SERVING once up.
 */
export async function startFixtureServer({
  root,
  cpus,
  fixture,
  args = [],
  label,
  logFile,
  nodeFlags = [],
  wrapper,
  startTimeoutMs,
}) {
  const port = await freePort();
  const script = path.join(root, "tools/bench/fixtures", fixture);
  const nodeArgs = [...nodeFlags, script, String(port), ...args];
  return startNode({ label, root, cpus, nodeArgs, port, logFile, env: {}, wrapper, startTimeoutMs });
}
