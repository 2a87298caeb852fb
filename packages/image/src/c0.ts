#!/usr/bin/env node
/**
 * `c0`: the command flyte-sdk's connector images run, for our images. The official Helm chart
 * (flyteorg/flyte charts/flyteconnector) starts `c0` with no arguments and probes gRPC on 8000, so an
 * image with this `c0` on PATH drops into the chart unchanged.
 *
 * It takes flyte-sdk's flags (`--port`, `--prometheus_port`, `--worker`, `--timeout`, `--modules`) and
 * ours (`flyte-connector serve --help`), and runs `flyte-connector serve` with the image's connectors
 * (from /app/image.json) plus any `--modules` given, which Python's c0 also loads in addition.
 *
 * Plain Node built-ins only: it runs inside images, from /app/bin.
 */
import { readFileSync } from "node:fs";
import { runMain } from "node:module";
import { join, resolve } from "node:path";

const HELP = `Usage: c0 [options]

Serves the connectors in this image over gRPC (flyte-sdk's c0, for TypeScript connector images).
With no options: every connector in the image, gRPC on 8000, Prometheus metrics on 9090.

flyte-sdk's options:
  --port <port>             gRPC port (default 8000)
  --prometheus_port <port>  metrics port (default 9090)
  --worker <n>              size of the Python server's thread pool; accepted and ignored
                            (Node serves concurrent calls on one thread; see --workers)
  --timeout <seconds>       stop (as on SIGTERM) after this many seconds; for tests
  --modules <module>        another connector module to load as well (repeatable)

Every other option goes to \`flyte-connector serve\`: --workers, --host, --log-level,
--shutdown-grace, --secrets-dir, --max-message-mb, --prometheus-port, ...
  -h, --help                this help
  --version                 what the image holds
`;

interface ImageManifest {
  modules: string[];
  serverCli: string;
  taskTypes: string[];
  packages: string[];
  runtimeVersion: string;
  nodeVersion: string;
}

function fail(message: string): never {
  process.stderr.write(`c0: ${message}\n`);
  process.exit(2);
}

function integer(flag: string, value: string): string {
  if (!/^\d+$/.test(value)) fail(`${flag} takes a whole number, not "${value}"`);
  return value;
}

/** Translates c0's arguments into `flyte-connector serve` arguments. */
function translate(args: string[]): {
  serve: string[];
  modules: string[];
  timeoutSeconds?: number;
  help: boolean;
  version: boolean;
} {
  const serve: string[] = [];
  const modules: string[] = [];
  let timeoutSeconds: number | undefined;
  let help = false;
  let version = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      serve.push(...args.slice(i));
      break;
    }
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = args[++i];
      if (next === undefined) fail(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case "-h":
      case "--help":
        help = true;
        break;
      case "--version":
        version = true;
        break;
      case "--port":
        serve.push("--port", integer(flag, value()));
        break;
      case "--prometheus_port":
        serve.push("--prometheus-port", integer(flag, value()));
        break;
      case "--worker":
        // A thread-pool size in Python; Node needs no pool. Checked, then dropped (--workers forks processes).
        integer(flag, value());
        break;
      case "--timeout":
        timeoutSeconds = Number(integer(flag, value()));
        break;
      case "-m":
      case "--modules":
        modules.push(
          ...value()
            .split(",")
            .map((m) => m.trim())
            .filter(Boolean),
        );
        break;
      default:
        serve.push(arg);
    }
  }
  return { serve, modules, timeoutSeconds, help, version };
}

function main(): void {
  const appDir = resolve(__dirname, "..");
  let manifest: ImageManifest;
  try {
    manifest = JSON.parse(readFileSync(join(appDir, "image.json"), "utf8")) as ImageManifest;
  } catch (error) {
    fail(`cannot read ${join(appDir, "image.json")}: ${(error as Error).message}`);
  }
  const options = translate(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(HELP);
    return;
  }
  if (options.version) {
    process.stdout.write(
      `c0 (@flyte-connectors/image) — runtime ${manifest.runtimeVersion}, Node.js ${manifest.nodeVersion}\n` +
        `connectors: ${manifest.packages.join(", ")}\ntask types: ${manifest.taskTypes.join(", ")}\n`,
    );
    return;
  }
  // The image's modules, with paths made absolute so they resolve whatever the working directory.
  const imageModules = manifest.modules.map((m) => (m.startsWith("./") ? join(appDir, m) : m));
  const modules = [...new Set([...imageModules, ...options.modules])];
  const cli = join(appDir, manifest.serverCli);
  if (options.timeoutSeconds !== undefined) {
    // Python's c0 stops serving after --timeout; here that is the same graceful stop as SIGTERM. A SIGTERM
    // before the server has installed its handler would kill the process instead, so wait for the handler.
    const stop = () => {
      if (process.listenerCount("SIGTERM") > 0) process.kill(process.pid, "SIGTERM");
      else setTimeout(stop, 100).unref();
    };
    setTimeout(stop, options.timeoutSeconds * 1000).unref();
  }
  // Run the server's CLI as this process's main module, as if started directly: no second process, so
  // signals from the kubelet reach the server itself and a pod holds one Node.js, not two.
  process.argv = [
    process.execPath,
    cli,
    "serve",
    ...modules.flatMap((m) => ["--modules", m]),
    ...options.serve,
  ];
  runMain();
}

main();
