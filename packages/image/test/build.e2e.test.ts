/**
 * A real end-to-end build, the way an operator ships: Debian's buildah, podman, skopeo and a local
 * registry; a Debian minbase base image made with debootstrap; `flyte-connector-image build --push`
 * (the built CLI, as a user runs it) for one connector with Buildah and for the bundle with Podman; the
 * pushed images inspected with skopeo, then run with podman and asked over gRPC.
 *
 * Skipped, saying why, only when those tools cannot be installed (not root, no apt-get).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import YAML from "yaml";
import { ensureCommands } from "./support/debian";
import { listedWorkspaceConnectors } from "./support/workspace";
import {
  BASE_IMAGE,
  containerEnv,
  ensureBaseImage,
  sh,
  shOk,
  startRegistry,
  type ContainerEnv,
} from "./support/containers";
import {
  freePort,
  listedTaskTypes,
  taskTypesFromBytes,
  waitForServing,
  type RunningProcess,
} from "./support/servers";

// Cold path on a fresh 2-core machine: apt-get (~20 s), debootstrap (~1 min), two builds with npm installs.
jest.setTimeout(900_000);

const cli = path.resolve(__dirname, "../dist/cli/main.js");
const cacheDir = process.env.FLYTE_CONNECTORS_CACHE ?? path.join(os.homedir(), ".cache/flyte-connectors");
const BIGQUERY = "bigquery_query_job_task";
const TRAINING = "external_model_training";
/** `--connectors all`: every connector package in the workspace. */
const { taskTypes: ALL, modules: ALL_MODULES } = listedWorkspaceConnectors();
const LABEL = "io.github.flyte-connectors.";

interface Built {
  reference: string;
  digest: string;
  pushed: boolean;
  builder: string;
  taskTypes: string[];
  manifests: string[];
  seconds: number;
  timingsMs: { context: number; build: number; push: number };
}

let skipped: string | undefined;
let scratch: string;
let tools: ContainerEnv;
let registry: RunningProcess | undefined;
let registryHost: string;
const containers: string[] = [];
const figures: Record<string, string> = {};
let single: Built;
let bigquery: Built;
let bundle: Built;
let rebuilt: Built;

function build(args: string[]): Built {
  const started = Date.now();
  const result = sh(
    process.execPath,
    [
      cli,
      "build",
      ...args,
      "--registry",
      `${registryHost}/flyte`,
      "--base-image",
      BASE_IMAGE,
      "--push",
      "--no-tls-verify",
      "--json",
      "--quiet",
    ],
    {
      ...tools.env,
      FLYTE_CONNECTORS_CACHE: cacheDir,
    },
  );
  if (result.status !== 0) throw new Error(`build ${args.join(" ")} failed: ${result.stderr.slice(-3000)}`);
  const built = JSON.parse(result.stdout) as Built;
  built.seconds = (Date.now() - started) / 1000;
  return built;
}

function inspect(reference: string, raw = false): any {
  return JSON.parse(
    shOk(
      "skopeo",
      ["inspect", "--tls-verify=false", ...(raw ? ["--raw"] : []), `docker://${reference}`],
      tools.env,
    ),
  );
}

/** Pulled by digest from the registry: what runs is what was pushed (skopeo takes no tag with a digest). */
const pinned = (b: Built) => `${b.reference.slice(0, b.reference.lastIndexOf(":"))}@${b.digest}`;

/**
 * Stops a container the way Kubernetes does (its STOPSIGNAL, SIGKILL after 60 s); its exit code, with logs
 * when not 0. Asynchronously: this process is the server's gRPC client, and a client whose event loop is
 * blocked never finishes closing its connections, which holds the server's shutdown open.
 */
async function stopContainer(name: string): Promise<string> {
  await promisify(execFile)("podman", ["stop", "-t", "60", name], { env: tools.env });
  const code = shOk("podman", ["inspect", "--format", "{{.State.ExitCode}}", name], tools.env).trim();
  if (code !== "0") {
    const logs = sh("podman", ["logs", name], tools.env);
    return `${code}\n${logs.stdout.slice(-3000)}${logs.stderr.slice(-3000)}`;
  }
  return code;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

beforeAll(async () => {
  const installStarted = Date.now();
  skipped = ensureCommands({
    buildah: ["buildah"],
    podman: ["podman"],
    skopeo: ["skopeo"],
    "docker-registry": ["docker-registry"],
    debootstrap: ["debootstrap"],
    runc: ["runc"],
  });
  if (skipped) {
    console.warn(`end-to-end image build skipped: ${skipped}`);
    return;
  }
  figures["tools (apt-get install when missing)"] = `${((Date.now() - installStarted) / 1000).toFixed(1)} s`;
  scratch = mkdtempSync(path.join(os.tmpdir(), "image-e2e-"));
  const port = await freePort();
  registryHost = `127.0.0.1:${port}`;
  tools = containerEnv(path.join(scratch, "conf"), registryHost);
  registry = await startRegistry(path.join(scratch, "registry"), port);

  let started = Date.now();
  const base = ensureBaseImage(cacheDir, tools.env, (line) => console.log(line));
  figures["base image"] = `${base.how}, ${((Date.now() - started) / 1000).toFixed(1)} s`;

  started = Date.now();
  single = build(["--connectors", "model-training", "--builder", "buildah"]);
  bigquery = build(["--connectors", "bigquery", "--builder", "buildah"]);
  bundle = build([
    "--connectors",
    "all",
    "--builder",
    "podman",
    "--manifests-out",
    path.join(scratch, "deploy"),
    "--namespace",
    "flyte",
  ]);
  // The same inputs again: the context hashes the same, so every layer comes from the cache.
  rebuilt = build(["--connectors", "all", "--builder", "podman"]);
  const timing = (b: Built) =>
    `${b.seconds.toFixed(1)} s (context ${(b.timingsMs.context / 1000).toFixed(1)} s, ${b.builder} ${(b.timingsMs.build / 1000).toFixed(1)} s, push ${(b.timingsMs.push / 1000).toFixed(1)} s)`;
  figures["build + push, model-training (buildah)"] = timing(single);
  figures["build + push, bigquery (buildah)"] = timing(bigquery);
  figures["build + push, bundle (podman)"] = timing(bundle);
  figures["cached rebuild + push, bundle"] = timing(rebuilt);
});

afterAll(async () => {
  if (skipped) return;
  for (const name of containers) sh("podman", ["rm", "-f", "-t", "0", name], tools.env);
  for (const b of [single, bigquery, bundle, rebuilt].filter(Boolean)) {
    sh("podman", ["rmi", "-f", b.reference, pinned(b)], tools.env);
  }
  await registry?.stop("SIGTERM");
  rmSync(scratch, { recursive: true, force: true });
  console.log(
    `image figures:\n${Object.entries(figures)
      .map(([k, v]) => `  ${k}: ${v}`)
      .join("\n")}`,
  );
});

describe("end-to-end: build, push, inspect, run", () => {
  it("builds and pushes one image per connector and the bundle, tagged with the context hash", () => {
    if (skipped) return;
    expect(single).toMatchObject({ builder: "buildah", pushed: true, taskTypes: [TRAINING] });
    expect(bigquery).toMatchObject({ builder: "buildah", pushed: true, taskTypes: [BIGQUERY] });
    expect(bundle).toMatchObject({ builder: "podman", pushed: true, taskTypes: ALL });
    expect(single.reference).toMatch(
      new RegExp(`^${registryHost}/flyte/connector-model-training:[0-9a-f]{12}$`),
    );
    expect(bundle.reference).toMatch(new RegExp(`^${registryHost}/flyte/flyte-connectors:[0-9a-f]{12}$`));
    for (const b of [single, bigquery, bundle]) expect(b.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Same context, same tag; and with fixed timestamps, the same image.
    expect(rebuilt.reference).toBe(bundle.reference);
    expect(rebuilt.digest).toBe(bundle.digest);
  });

  it("skopeo sees the labels, four layers (base, Node.js, dependencies, app), the non-root user and the entrypoint", () => {
    if (skipped) return;
    const cases = [
      { b: single, taskTypes: [TRAINING], modules: ["@flyte-connectors/connector-model-training"] },
      { b: bigquery, taskTypes: [BIGQUERY], modules: ["@flyte-connectors/connector-bigquery"] },
      {
        b: bundle,
        taskTypes: ALL,
        modules: ALL_MODULES,
      },
    ];
    for (const { b, taskTypes, modules } of cases) {
      const info = inspect(pinned(b));
      expect(info.Labels[`${LABEL}task-types`]).toBe(taskTypes.join(","));
      expect(info.Labels["org.opencontainers.image.source"]).toBe(
        "https://github.com/flyte-connectors/flyte-connectors",
      );
      expect(info.Labels["org.opencontainers.image.revision"]).toMatch(/^[0-9a-f]{40}$/);
      expect(info.Labels[`${LABEL}node-version`]).toBe("24.22.3");
      expect(info.Layers).toHaveLength(4);
      const manifest = inspect(pinned(b), true);
      const sizes: number[] = manifest.layers.map((l: { size: number }) => l.size);
      const config = JSON.parse(
        shOk("skopeo", ["inspect", "--tls-verify=false", "--config", `docker://${pinned(b)}`], tools.env),
      );
      expect(config.config.User).toBe("65532:65532");
      expect(config.config.StopSignal).toBe("SIGTERM");
      expect(Object.keys(config.config.ExposedPorts).sort()).toEqual(["8000/tcp", "9090/tcp"]);
      expect(config.config.Env).toContain("NODE_ENV=production");
      expect(config.config.Entrypoint).toEqual([
        "/usr/local/bin/node",
        "/app/node_modules/@flyte-connectors/runtime/bin/flyte-connector.js",
        "serve",
        ...modules.flatMap((m) => ["--modules", m]),
      ]);
      const uncompressed = Number(
        shOk("podman", ["image", "inspect", "--format", "{{.Size}}", b.reference], tools.env).trim(),
      );
      const name =
        b === single
          ? "model-training image"
          : b === bigquery
            ? "bigquery image"
            : "bundle (every connector)";
      figures[`${name} size`] =
        `${mb(uncompressed)} uncompressed, ${mb(sizes.reduce((a, s) => a + s, 0))} compressed ` +
        `(layers: base ${mb(sizes[0])}, node ${mb(sizes[1])}, deps ${mb(sizes[2])}, app ${mb(sizes[3])}, compressed)`;
    }
    // Images share the base and Node.js layers: a node pulls them once for all its connector images.
    expect(inspect(pinned(single)).Layers.slice(0, 2)).toEqual(inspect(pinned(bundle)).Layers.slice(0, 2));
    expect(inspect(pinned(bigquery)).Layers.slice(0, 2)).toEqual(inspect(pinned(bundle)).Layers.slice(0, 2));
  });

  it("the bundle runs with podman (pulled by digest): SERVING, every task type from ListConnectors, SIGTERM → exit 0", async () => {
    if (skipped) return;
    const port = await freePort();
    const metrics = await freePort();
    const name = `flyte-connectors-e2e-${port}`;
    containers.push(name);
    // The image's own ENTRYPOINT; flags after the image go to `flyte-connector serve`.
    shOk(
      "podman",
      [
        "run",
        "-d",
        "--name",
        name,
        "--network",
        "host",
        "--read-only",
        "--tls-verify=false",
        pinned(bundle),
        "--port",
        String(port),
        "--prometheus-port",
        String(metrics),
        "--host",
        "127.0.0.1",
      ],
      tools.env,
    );
    const address = `127.0.0.1:${port}`;
    const started = Date.now();
    await waitForServing(address, {
      exited: () =>
        shOk("podman", ["inspect", "--format", "{{.State.Running}}", name], tools.env).trim() === "true"
          ? undefined
          : sh("podman", ["logs", name], tools.env).stderr,
    });
    figures["podman run → SERVING"] = `${((Date.now() - started) / 1000).toFixed(1)} s`;
    const listed = await listedTaskTypes(address);
    expect(listed).toEqual(ALL);
    figures["ListConnectors of the running bundle"] = listed.join(", ");
    expect(shOk("podman", ["exec", name, "id", "-u"], tools.env).trim()).toBe("65532");
    // Exit 0 within the stop timeout means a clean drain on SIGTERM, not a SIGKILL (137).
    expect(await stopContainer(name)).toBe("0");
  });

  it("c0 with no arguments, as the official Helm chart runs it: every connector on 8000, metrics on 9090, SIGTERM → exit 0", async () => {
    if (skipped) return;
    const name = `flyte-connectors-c0-${Date.now()}`;
    containers.push(name);
    const fixtures = path.join(__dirname, "fixtures");
    // A network of its own, so 8000 and 9090 are the container's; the probe runs inside it.
    shOk(
      "podman",
      [
        "run",
        "-d",
        "--name",
        name,
        "--network",
        "none",
        "--read-only",
        "-v",
        `${fixtures}:/fixtures:ro`,
        "--entrypoint",
        "c0",
        pinned(bundle),
      ],
      tools.env,
    );
    const probe = JSON.parse(
      shOk("podman", ["exec", name, "node", "/fixtures/probe.cjs", "/app", "8000", "9090"], tools.env) ||
        "{}",
    );
    expect(probe.error).toBeUndefined();
    expect(probe.health).toBe("SERVING");
    expect(taskTypesFromBytes(probe.listConnectors)).toEqual(ALL);
    expect(probe.metrics).toEqual({ status: 200, hasConnectorMetrics: true });
    // Python's flag spellings work in the image too.
    expect(shOk("podman", ["exec", name, "c0", "--version"], tools.env)).toMatch(
      new RegExp(`task types: ${ALL.join(", ")}`),
    );
    expect(await stopContainer(name)).toBe("0");
  });

  it("--manifests-out wrote manifests pinned to the pushed digest and a backend config for the served task types", () => {
    if (skipped) return;
    expect(bundle.manifests.map((f) => path.relative(path.join(scratch, "deploy"), f)).sort()).toEqual([
      "flyte-backend-config.yaml",
      "kubernetes.yaml",
      "kustomize/deployment.yaml",
      "kustomize/horizontal-pod-autoscaler.yaml",
      "kustomize/kustomization.yaml",
      "kustomize/pod-disruption-budget.yaml",
      "kustomize/service-account.yaml",
      "kustomize/service.yaml",
    ]);
    const docs = YAML.parseAllDocuments(
      readFileSync(path.join(scratch, "deploy/kubernetes.yaml"), "utf8"),
    ).map((d) => d.toJS());
    expect(docs.find((d) => d.kind === "Deployment").spec.template.spec.containers[0].image).toBe(
      pinned(bundle),
    );
    const backend = YAML.parse(readFileSync(path.join(scratch, "deploy/flyte-backend-config.yaml"), "utf8"));
    expect(backend.plugins["connector-service"].supportedTaskTypes).toEqual(bundle.taskTypes);
    expect(Object.keys(backend.tasks["task-plugins"]["default-for-task-types"])).toEqual(bundle.taskTypes);
  });
});
