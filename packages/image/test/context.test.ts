/**
 * The build context, made for real (npm installs on this machine, the Node binary from the npm registry)
 * and run on the host without a container: its ENTRYPOINT and its `c0`, asked over gRPC.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createContext, Image, listTree, type BuildContext } from "../src";
import { assembleRootfs, entrypointOf, onHost } from "./support/context";
import {
  freePort,
  listedTaskTypes,
  startProcess,
  taskTypesFromBytes,
  waitForServing,
  type RunningProcess,
} from "./support/servers";

jest.setTimeout(300_000);

const repoRoot = path.resolve(__dirname, "../../..");
const scratch = mkdtempSync(path.join(os.tmpdir(), "image-context-test-"));
const cacheDir = process.env.FLYTE_CONNECTORS_CACHE ?? path.join(os.homedir(), ".cache/flyte-connectors");
const BIGQUERY = "bigquery_query_job_task";
const TRAINING = "external_model_training";

const base = Image.fromDebianBase({ registry: "127.0.0.1:5000/test", name: "ctx" });
const contexts: Record<string, BuildContext> = {};
const running: RunningProcess[] = [];

async function context(key: string, image: Image): Promise<BuildContext> {
  contexts[key] = await createContext(image, { outDir: path.join(scratch, key), cacheDir, cwd: repoRoot });
  return contexts[key];
}

/** Starts a command from an assembled rootfs on free ports; resolves once it is SERVING. */
async function serve(
  args: string[],
  extra: string[],
  options: { cwd: string },
): Promise<{ proc: RunningProcess; address: string }> {
  const port = await freePort();
  const metrics = await freePort();
  const proc = startProcess(
    args[0],
    [
      ...args.slice(1),
      ...extra.map((a) => a.replace("{port}", String(port)).replace("{metrics}", String(metrics))),
    ],
    {
      cwd: options.cwd,
      env: { ...process.env, LOG_LEVEL: "warn" },
    },
  );
  running.push(proc);
  const address = `127.0.0.1:${port}`;
  await waitForServing(address, { exited: proc.exited });
  return { proc, address };
}

beforeAll(async () => {
  await context("bigquery", base.withConnectors("bigquery"));
  await context("bigquery-again", base.withConnectors("@flyte-connectors/connector-bigquery"));
  await context(
    "all",
    base.withConnectors("@flyte-connectors/connector-model-training", "@flyte-connectors/connector-bigquery"),
  );
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.stop("SIGKILL")));
  rmSync(scratch, { recursive: true, force: true });
});

describe("build context", () => {
  it("is byte-identical for the same inputs: same files, modes and timestamps, same hash and tag", () => {
    const a = contexts.bigquery;
    const b = contexts["bigquery-again"];
    // The files first, so a difference is reported by path (a clean-clone run once saw two hashes differ).
    const listA = listTree(a.dir);
    const listB = listTree(b.dir);
    const line = (e: (typeof listA)[number]) => `${e.path} ${e.kind} ${e.mode.toString(8)} ${e.mtime} ${e.content}`;
    const [linesA, linesB] = [new Set(listA.map(line)), new Set(listB.map(line))];
    expect({
      onlyInFirst: [...linesA].filter((l) => !linesB.has(l)),
      onlyInSecond: [...linesB].filter((l) => !linesA.has(l)),
    }).toEqual({ onlyInFirst: [], onlyInSecond: [] });
    expect(listB).toEqual(listA);
    expect(a.hash).toBe(b.hash);
    expect(a.tag).toBe(a.hash.slice(0, 12));
    expect(a.reference).toBe(`127.0.0.1:5000/test/ctx:${a.tag}`);
    expect(new Set(listA.map((e) => e.mtime))).toEqual(new Set([315532800]));
    // Different inputs, different context.
    expect(contexts.all.hash).not.toBe(a.hash);
  });

  it("renders a Dockerfile that runs as a numeric non-root user and serves exactly the chosen connectors", () => {
    const dockerfile = readFileSync(contexts.bigquery.dockerfile, "utf8");
    expect(dockerfile).toMatch(/^USER 65532:65532$/m);
    expect(dockerfile).toMatch(/^ENV NODE_ENV=production/m);
    expect(dockerfile).toMatch(/^EXPOSE 8000 9090$/m);
    expect(dockerfile).toMatch(/^STOPSIGNAL SIGTERM$/m);
    expect(dockerfile).not.toMatch(/^RUN /m);
    expect(entrypointOf(contexts.bigquery.dockerfile)).toEqual([
      "/usr/local/bin/node",
      "/app/node_modules/@flyte-connectors/runtime/bin/flyte-connector.js",
      "serve",
      "--modules",
      "@flyte-connectors/connector-bigquery",
    ]);
    const labels = contexts.all.labels;
    expect(labels["io.github.flyte-connectors.task-types"]).toBe(`${BIGQUERY},${TRAINING}`);
    expect(labels["org.opencontainers.image.source"]).toBe(
      "https://github.com/flyte-connectors/flyte-connectors",
    );
    expect(labels["org.opencontainers.image.revision"]).toMatch(/^[0-9a-f]{40}$/);
    expect(labels["org.opencontainers.image.version"]).toBe("0.1.0");
    for (const [key, value] of Object.entries(labels))
      expect(readFileSync(contexts.all.dockerfile, "utf8")).toContain(`${key}=${JSON.stringify(value)}`);
  });

  it("splits node_modules into a dependency layer and an app layer, without type declarations or source maps", () => {
    const dir = contexts.all.dir;
    expect(existsSync(path.join(dir, "rootfs/node/usr/local/bin/node"))).toBe(true);
    expect(existsSync(path.join(dir, "rootfs/deps/app/node_modules/@grpc/grpc-js/package.json"))).toBe(true);
    expect(existsSync(path.join(dir, "rootfs/deps/app/node_modules/@flyte-connectors"))).toBe(false);
    for (const pkg of ["runtime", "connector-bigquery", "connector-model-training"]) {
      expect(
        existsSync(path.join(dir, `rootfs/app/app/node_modules/@flyte-connectors/${pkg}/package.json`)),
      ).toBe(true);
    }
    expect(existsSync(path.join(dir, "rootfs/app/app/bin/c0"))).toBe(true);
    const files = listTree(dir).map((e) => e.path);
    expect(files.filter((f) => /\.(d\.ts|map)$/.test(f))).toEqual([]);
    const c0 = listTree(dir).find((e) => e.path === "rootfs/app/app/bin/c0")!;
    expect(c0.mode).toBe(0o755);
  });

  it("records what it holds in image.json", () => {
    expect(contexts.all.manifest).toMatchObject({
      modules: ["@flyte-connectors/connector-model-training", "@flyte-connectors/connector-bigquery"],
      taskTypes: [BIGQUERY, TRAINING],
      nodeVersion: "24.22.3",
      from: "workspace",
      platform: "linux/amd64",
    });
    expect(
      JSON.parse(readFileSync(path.join(contexts.all.dir, "rootfs/app/app/image.json"), "utf8")),
    ).toEqual(contexts.all.manifest);
  });
});

describe("the staged context, run on the host", () => {
  const rootfs = (key: string) => {
    const dest = path.join(scratch, `${key}-rootfs`);
    if (!existsSync(dest)) assembleRootfs(contexts[key].dir, dest);
    return dest;
  };

  it("ENTRYPOINT of a one-connector image serves that connector only, then exits 0 on SIGTERM", async () => {
    const fs = rootfs("bigquery");
    const { proc, address } = await serve(
      onHost(fs, entrypointOf(contexts.bigquery.dockerfile)),
      ["--port", "{port}", "--prometheus-port", "{metrics}", "--host", "127.0.0.1"],
      { cwd: path.join(fs, "app") },
    );
    expect(await listedTaskTypes(address)).toEqual([BIGQUERY]);
    expect(await proc.stop("SIGTERM")).toBe(0);
  });

  it("ENTRYPOINT of the bundle serves both connectors", async () => {
    const fs = rootfs("all");
    const { proc, address } = await serve(
      onHost(fs, entrypointOf(contexts.all.dockerfile)),
      ["--port", "{port}", "--prometheus-port", "{metrics}", "--host", "127.0.0.1"],
      { cwd: path.join(fs, "app") },
    );
    expect(await listedTaskTypes(address)).toEqual([BIGQUERY, TRAINING]);
    expect(await proc.stop("SIGTERM")).toBe(0);
  });

  it("c0 takes flyte-sdk's flag spellings (--port, --prometheus_port, --worker, --modules) and loads --modules in addition", async () => {
    const fs = rootfs("all");
    const node = path.join(fs, "usr/local/bin/node");
    const extra = path.join(__dirname, "fixtures/extra-connector.cjs");
    const { proc, address } = await serve(
      [node, path.join(fs, "app/bin/c0")],
      [
        "--port",
        "{port}",
        "--prometheus_port={metrics}",
        "--worker",
        "10",
        "--modules",
        extra,
        "--host",
        "127.0.0.1",
      ],
      { cwd: os.tmpdir() },
    );
    expect(await listedTaskTypes(address)).toEqual([BIGQUERY, TRAINING, "extra_test_task"].sort());
    // --worker is a Python thread-pool size: one server process, no forks.
    expect(
      spawnSync("pgrep", ["-P", String(proc.child.pid)])
        .stdout.toString()
        .trim(),
    ).toBe("");
    expect(await proc.stop("SIGTERM")).toBe(0);
  });

  it("c0 of a one-connector image serves that connector", async () => {
    const fs = rootfs("bigquery");
    const { proc, address } = await serve(
      [path.join(fs, "usr/local/bin/node"), path.join(fs, "app/bin/c0")],
      ["--port", "{port}", "--prometheus_port", "{metrics}", "--host", "127.0.0.1"],
      { cwd: os.tmpdir() },
    );
    expect(await listedTaskTypes(address)).toEqual([BIGQUERY]);
    expect(await proc.stop("SIGTERM")).toBe(0);
  });

  it("c0 --timeout stops the server by itself, gracefully (exit 0)", async () => {
    const fs = rootfs("bigquery");
    const [port, metrics] = [await freePort(), await freePort()];
    const proc = startProcess(
      path.join(fs, "usr/local/bin/node"),
      [
        path.join(fs, "app/bin/c0"),
        "--port",
        String(port),
        "--prometheus_port",
        String(metrics),
        "--host",
        "127.0.0.1",
        "--timeout",
        "1",
      ],
      { cwd: os.tmpdir(), env: { ...process.env, LOG_LEVEL: "warn" } },
    );
    running.push(proc);
    expect(await proc.exit).toBe(0);
  });

  it("c0 rejects a bad value with exit 2, and answers --help and --version", () => {
    const fs = rootfs("bigquery");
    const c0 = (...args: string[]) =>
      spawnSync(path.join(fs, "usr/local/bin/node"), [path.join(fs, "app/bin/c0"), ...args], {
        encoding: "utf8",
      });
    const bad = c0("--port", "eighty");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--port takes a whole number/);
    expect(c0("--help").stdout).toMatch(/--prometheus_port/);
    expect(c0("--version").stdout).toMatch(
      /runtime 0\.1\.0, Node\.js 24\.22\.3[\s\S]*bigquery_query_job_task/,
    );
  });

  it("c0 with no arguments serves every connector on 8000, metrics on 9090 (in a network namespace of its own)", async () => {
    const fs = rootfs("all");
    const canUnshare = process.getuid?.() === 0 && spawnSync("unshare", ["--net", "true"]).status === 0;
    if (!canUnshare) {
      console.warn(
        "skipped: needs root and unshare(1) for a private network namespace (ports 8000 and 9090 may be taken on the host)",
      );
      return;
    }
    // c0 is exec'd inside the namespace, so its pid is the namespace's handle.
    const proc = startProcess(
      "unshare",
      [
        "--net",
        "sh",
        "-c",
        'ip link set lo up && exec "$0" "$@"',
        path.join(fs, "usr/local/bin/node"),
        path.join(fs, "app/bin/c0"),
      ],
      {
        cwd: os.tmpdir(),
        env: { ...process.env, LOG_LEVEL: "warn" },
      },
    );
    running.push(proc);
    const probe = spawnSync(
      "nsenter",
      [
        `--net=/proc/${proc.child.pid}/ns/net`,
        process.execPath,
        path.join(__dirname, "fixtures/probe.cjs"),
        path.join(fs, "app"),
        "8000",
        "9090",
      ],
      { encoding: "utf8", timeout: 120_000 },
    );
    const answer = JSON.parse(probe.stdout || "{}");
    expect(answer.error).toBeUndefined();
    expect(answer.health).toBe("SERVING");
    expect(taskTypesFromBytes(answer.listConnectors)).toEqual([BIGQUERY, TRAINING]);
    expect(answer.metrics).toEqual({ status: 200, hasConnectorMetrics: true });
    expect(await proc.stop("SIGTERM")).toBe(0);
  });
});
