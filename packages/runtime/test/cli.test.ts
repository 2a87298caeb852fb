/**
 * The `flyte-connector` bin, spawned as users run it (the built dist, so `npm test` builds first).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequest } from "./support/requests";
import { UpstreamClient } from "@flyte-connectors/testing";
import { discoverConnectorPackages } from "../src/cli";

const runtimeDir = path.resolve(__dirname, "..");
const bin = path.join(runtimeDir, "dist/cli/main.js");
const fixture = path.join(__dirname, "fixtures/cli-connector.cjs");

function run(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? runtimeDir,
    env: { ...process.env, ...options.env },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("flyte-connector CLI", () => {
  it("--help lists the commands; serve --help lists every flag", () => {
    const top = run(["--help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/serve/);
    expect(top.stdout).toMatch(/list/);
    const serve = run(["serve", "--help"]);
    expect(serve.code).toBe(0);
    for (const flag of ["--port", "--prometheus-port", "--host", "--modules", "--workers", "--log-level", "--shutdown-grace"]) {
      expect(serve.stdout).toContain(flag);
    }
  });

  it("bad flags exit 2 with a clear message", () => {
    const badPort = run(["serve", "--port", "eighty"]);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/"eighty" is not an integer/);
    const outOfRange = run(["serve", "--port", "70000", "--modules", fixture]);
    expect(outOfRange.code).toBe(2);
    expect(outOfRange.stderr).toMatch(/--port/);
    const unknown = run(["serve", "--bogus"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--bogus'/);
    const badLevel = run(["serve", "--log-level", "loud"]);
    expect(badLevel.code).toBe(2);
  });

  it("a module that fails to load, or does not exist, is a clear error and a non-zero exit", () => {
    const broken = run(["list", "--modules", path.join(__dirname, "fixtures/broken-module.cjs")]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/failed to load: this module is broken on purpose/);
    const missing = run(["list", "--modules", "@acme/not-installed-connector"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot find module "@acme\/not-installed-connector"/);
  });

  it("a module may be a package folder (`--modules .` in a connector's project): its entry point loads", () => {
    const project = mkdtempSync(path.join(os.tmpdir(), "module-folder-"));
    try {
      writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "acme", main: "dist/index.js" }));
      const built = run(["list", "--modules", "."], { cwd: project });
      expect(built.code).toBe(1);
      expect(built.stderr).toMatch(/module folder .* has no entry point: .*"main".*build it first/);
      mkdirSync(path.join(project, "dist"));
      writeFileSync(path.join(project, "dist/index.js"), `module.exports = require(${JSON.stringify(fixture)});\n`);
      const listed = run(["list", "--modules", "."], { cwd: project });
      expect(listed.stderr).toBe("");
      expect(listed.stdout).toMatch(/CLI Test Connector\s+cli_test_task\s+0\s+\./);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it("list prints the connectors and task types a module provides", () => {
    const listed = run(["list", "--modules", fixture]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/CONNECTOR\s+TASK TYPE\s+VERSION\s+MODULE/);
    expect(listed.stdout).toMatch(/CLI Test Connector\s+cli_test_task\s+0/);
  });

  it("without --modules it loads every installed package that declares flyteConnector", () => {
    // A throwaway project outside the repo: discovery walks up from the working directory, and inside the
    // repo it would also find the workspace's connectors (whose dist may not be built yet when this runs).
    // The fixture resolves `@flyte-connectors/runtime` from its own location, so that still works.
    const project = mkdtempSync(path.join(os.tmpdir(), "discovery-project-"));
    const pkg = path.join(project, "node_modules/@acme/discovered-connector");
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      path.join(pkg, "package.json"),
      JSON.stringify({ name: "@acme/discovered-connector", version: "1.0.0", main: "index.cjs", flyteConnector: true }),
    );
    writeFileSync(path.join(pkg, "index.cjs"), `module.exports = require(${JSON.stringify(fixture)});\n`);
    mkdirSync(path.join(project, "node_modules/plain-package"), { recursive: true });
    writeFileSync(path.join(project, "node_modules/plain-package/package.json"), JSON.stringify({ name: "plain-package" }));
    try {
      const listed = run(["list"], { cwd: project });
      expect(listed.stderr).toBe("");
      expect(listed.stdout).toMatch(/CLI Test Connector\s+cli_test_task\s+0\s+@acme\/discovered-connector/);
      expect(listed.stdout.trim().split("\n")).toHaveLength(2); // the header and the one connector
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it("discovery reads manifests of any size and skips what is not a readable connector manifest", () => {
    const project = mkdtempSync(path.join(os.tmpdir(), "discovery-scan-"));
    const nm = path.join(project, "node_modules");
    const manifest = (dir: string, text: string) => {
      mkdirSync(path.join(nm, dir), { recursive: true });
      writeFileSync(path.join(nm, dir, "package.json"), text);
    };
    // The field after 200 KB of keywords: past the scan's first read buffer (64 KiB), which must grow.
    const keywords = Array.from({ length: 20_000 }, (_, i) => `keyword-${i}`);
    manifest("big-connector", JSON.stringify({ name: "big-connector", keywords, main: "main.js", flyteConnector: true }));
    manifest("@acme/path-connector", JSON.stringify({ name: "@acme/path-connector", flyteConnector: "lib/entry.cjs" }));
    manifest("plain", JSON.stringify({ name: "plain", description: "mentions flyteConnector in prose only" }));
    manifest("broken", '{ "name": "broken", "flyteConnector": true,'); // not JSON: skipped, not fatal
    mkdirSync(path.join(nm, "no-manifest"), { recursive: true });
    mkdirSync(path.join(nm, "dir-manifest/package.json"), { recursive: true }); // a folder named package.json
    writeFileSync(path.join(nm, "stray-file"), "");
    try {
      expect(discoverConnectorPackages(project)).toEqual([
        { name: "@acme/path-connector", entry: path.join(nm, "@acme/path-connector/lib/entry.cjs") },
        { name: "big-connector", entry: path.join(nm, "big-connector/main.js") },
      ]);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it("an ES module package (\"type\": \"module\", a .js entry) loads through import(), CommonJS through require", () => {
    const project = mkdtempSync(path.join(os.tmpdir(), "discovery-esm-"));
    const pkg = path.join(project, "node_modules/@acme/esm-connector");
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      path.join(pkg, "package.json"),
      JSON.stringify({ name: "@acme/esm-connector", type: "module", main: "index.js", flyteConnector: true }),
    );
    // ESM syntax: were this file given to require(), Node 20 would refuse it.
    writeFileSync(path.join(pkg, "index.js"), `import fixture from ${JSON.stringify(fixture)};\nexport const connectors = fixture.connectors;\n`);
    try {
      const listed = run(["list"], { cwd: project });
      expect(listed.stderr).toBe("");
      expect(listed.stdout).toMatch(/CLI Test Connector\s+cli_test_task\s+0\s+@acme\/esm-connector/);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it("serve: answers a call in flight during SIGTERM, then exits 0", async () => {
    const child = spawn(process.execPath, [bin, "serve", "--port", "0", "--prometheus-port", "0", "--host", "127.0.0.1", "--modules", fixture], {
      cwd: runtimeDir,
      env: { ...process.env, LOG_LEVEL: "info" },
    });
    try {
      const { port, stdout } = await readyPort(child);
      expect(stdout).toMatch(/CLI Test Connector\s+cli_test_task/);
      const client = new UpstreamClient(`127.0.0.1:${port}`);
      const started = waitForLine(child, /"msg":"create started"/);
      const inFlight = client.createTask(createRequest({ taskType: "cli_test_task", run: "sigterm", custom: { delayMs: 1500 } }));
      await started; // the call is in the connector: SIGTERM now must let it finish
      child.kill("SIGTERM");
      const response = await inFlight;
      expect(Buffer.from(response.resourceMeta).toString()).toMatch(/"job_id":"cli-/);
      const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
      expect(code).toBe(0);
      client.close();
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});

describe("flyte-connector ports and version", () => {
  it("--version prints the package version", () => {
    const { code, stdout } = run(["--version"]);
    expect(code).toBe(0);
    const { version } = JSON.parse(readFileSync(path.join(runtimeDir, "package.json"), "utf8")) as { version: string };
    expect(stdout.trim()).toBe(version);
  });

  it("--port 0 picks a free metrics port too, so two such servers run side by side", async () => {
    const start = () =>
      spawn(process.execPath, [bin, "serve", "--port", "0", "--host", "127.0.0.1", "--modules", fixture], {
        cwd: runtimeDir,
        env: { ...process.env, LOG_LEVEL: "info" },
      });
    const children = [start(), start()];
    try {
      const metricsPorts = await Promise.all(
        children.map(async (child) => {
          const { stdout } = await readyPort(child);
          const ready = stdout
            .split("\n")
            .filter((l) => l.startsWith("{"))
            .map((l) => JSON.parse(l) as { msg?: string; metricsPort?: number })
            .find((r) => r.msg === "ready");
          return ready?.metricsPort;
        }),
      );
      for (const port of metricsPorts) expect(port).toEqual(expect.any(Number));
      expect(metricsPorts[0]).not.toBe(9090);
      expect(metricsPorts[0]).not.toBe(metricsPorts[1]);
      const response = await fetch(`http://127.0.0.1:${metricsPorts[0]}/readyz`);
      expect(response.status).toBe(200);
    } finally {
      for (const child of children) child.kill("SIGKILL");
    }
  });
});

describe("flyte-connector serve --workers", () => {
  it("shares the port between workers, aggregates their metrics in the primary, and exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, [bin, "serve", "--workers", "2", "--port", "0", "--prometheus-port", "0", "--host", "127.0.0.1", "--modules", fixture], {
      cwd: runtimeDir,
    });
    try {
      const lines = await readLines(child, (records) => records.filter((r) => r.msg === "ready").length === 2 && records.some((r) => r.msg === "cluster primary ready"));
      const ready = lines.filter((r) => r.msg === "ready");
      expect(new Set(ready.map((r) => r.pid)).size).toBe(2);
      expect(new Set(ready.map((r) => r.port)).size).toBe(1);
      const metricsPort = lines.find((r) => r.msg === "cluster primary ready")!.metricsPort as number;
      const calls = 20;
      for (let i = 0; i < calls; i++) {
        // A fresh channel per call lets the cluster spread connections across workers.
        const c = new UpstreamClient(`127.0.0.1:${ready[0].port}`, { "grpc.use_local_subchannel_pool": 1 });
        await c.createTask(createRequest({ taskType: "cli_test_task", run: `workers-${i}` }));
        c.close();
      }
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const total = [...text.matchAll(/flyte_connector_requests_success_total\{[^}]*operation="create"[^}]*\} (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
      expect(total).toBe(calls);
      child.kill("SIGTERM");
      const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});

/** Collects JSON log lines until `done` says enough. */
function readLines(child: ChildProcessWithoutNullStreams, done: (records: Array<Record<string, unknown>>) => boolean): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => reject(new Error(`not ready in time:\n${stdout}`)), 20_000);
    child.stdout.on("data", (d) => {
      stdout += d;
      const records = stdout
        .split("\n")
        .slice(0, -1)
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      if (done(records)) {
        clearTimeout(timer);
        resolve(records);
      }
    });
    child.on("exit", (code) => reject(new Error(`exited early (${code}):\n${stdout}`)));
  });
}

/** Waits for the server's "ready" log line and returns its port. */
/** Resolves once a line of the child's stdout matches. */
function waitForLine(child: ChildProcessWithoutNullStreams, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    let seen = "";
    const onData = (d: Buffer) => {
      seen += d;
      if (pattern.test(seen)) {
        child.stdout.off("data", onData);
        resolve();
      }
    };
    child.stdout.on("data", onData);
  });
}

function readyPort(child: ChildProcessWithoutNullStreams): Promise<{ port: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => reject(new Error(`no ready line in time:\n${stdout}\n${stderr}`)), 20_000);
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.on("data", (d) => {
      stdout += d;
      for (const line of stdout.split("\n").slice(0, -1)) {
        if (!line.startsWith("{")) continue;
        const record = JSON.parse(line) as { msg?: string; port?: number };
        if (record.msg === "ready" && record.port) {
          clearTimeout(timer);
          resolve({ port: record.port, stdout });
        }
      }
    });
    child.on("exit", (code) => reject(new Error(`exited early (${code}):\n${stdout}\n${stderr}`)));
  });
}
