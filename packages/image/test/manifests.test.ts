/**
 * Kubernetes manifests, validated with kubernetes-models and rendered by `kubectl kustomize`; the Flyte
 * backend config, parsed back and checked against the task types the workspace's connectors serve.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import {
  ASYNC_CONNECTOR_SERVICE,
  BACKEND_OPERATIONS,
  backendConfig,
  backendConfigYaml,
  ImageError,
  kubernetesManifests,
  kustomizeBase,
  toYaml,
} from "../src";
import { workspaceConnectors } from "../src/context";
import { main } from "../src/cli/main";
import { ensureCommands } from "./support/debian";
import { listedWorkspaceConnectors } from "./support/workspace";

jest.setTimeout(300_000);

const repoRoot = path.resolve(__dirname, "../../..");
const scratch = mkdtempSync(path.join(os.tmpdir(), "image-manifests-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  "v1/ServiceAccount": ServiceAccount,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
};

/** Validates against the Kubernetes OpenAPI schema (types and required fields). */
function validate(doc: { apiVersion: string; kind: string }): void {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) throw new Error(`no model for ${doc.apiVersion} ${doc.kind}`);
  new Model(doc).validate();
}

const IMAGE = "ghcr.io/acme/flyte-connectors:0123456789ab";
const manifests = kubernetesManifests({
  image: IMAGE,
  name: "flyte-connectors",
  taskTypes: ["bigquery_query_job_task", "external_model_training"],
});
const byKind = (kind: string) => manifests.find((m) => m.kind === kind) as any;

describe("kubernetesManifests", () => {
  it("produces ServiceAccount, Service, Deployment, HPA and PDB that kubernetes-models validates", () => {
    expect(manifests.map((m) => m.kind)).toEqual([
      "ServiceAccount",
      "Service",
      "Deployment",
      "HorizontalPodAutoscaler",
      "PodDisruptionBudget",
    ]);
    for (const m of manifests) expect(() => validate(m)).not.toThrow();
    // The validator does catch mistakes: a Deployment without a selector fails.
    const broken = structuredClone(byKind("Deployment"));
    delete broken.spec.selector;
    expect(() => validate(broken)).toThrow(/selector/);
  });

  it("Deployment: gRPC health probes, non-root, read-only root fs, grace above the server's drain, metrics annotations, secrets", () => {
    const d = byKind("Deployment");
    const pod = d.spec.template.spec;
    const [c] = pod.containers;
    expect(c.image).toBe(IMAGE);
    expect(c.readinessProbe.grpc).toEqual({ port: 8000, service: ASYNC_CONNECTOR_SERVICE });
    expect(c.livenessProbe.grpc).toEqual({ port: 8000 });
    expect(c.startupProbe.grpc).toEqual({ port: 8000 });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(c.args).toEqual(["--shutdown-grace", "30", "--max-connection-age", "300"]);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(30 + c.lifecycle.preStop.sleep.seconds);
    expect(d.spec.template.metadata.annotations).toEqual({
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "9090",
      "prometheus.io/path": "/metrics",
    });
    expect(c.volumeMounts).toContainEqual({ name: "secrets", mountPath: "/etc/secrets", readOnly: true });
    expect(pod.volumes.find((v: any) => v.name === "secrets").secret).toMatchObject({
      secretName: "flyte-connectors-secrets",
      optional: true,
    });
    expect(c.ports).toEqual([
      { name: "grpc", containerPort: 8000, protocol: "TCP" },
      { name: "metrics", containerPort: 9090, protocol: "TCP" },
    ]);
    expect(d.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(c.resources.limits.memory).toBe("512Mi");
    expect(c.env).toContainEqual({ name: "NODE_OPTIONS", value: "--max-old-space-size=384" });
  });

  it("Service: headless, gRPC on 8000 with appProtocol, metrics on 9090; HPA on CPU; PDB", () => {
    const s = byKind("Service");
    expect(s.spec.clusterIP).toBe("None");
    expect(s.spec.ports).toEqual([
      { name: "grpc", port: 8000, targetPort: "grpc", protocol: "TCP", appProtocol: "kubernetes.io/h2c" },
      { name: "metrics", port: 9090, targetPort: "metrics", protocol: "TCP", appProtocol: "http" },
    ]);
    const hpa = byKind("HorizontalPodAutoscaler");
    expect(hpa.spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 10,
      scaleTargetRef: { kind: "Deployment", name: "flyte-connectors" },
    });
    expect(hpa.spec.metrics[0].resource).toEqual({
      name: "cpu",
      target: { type: "Utilization", averageUtilization: 70 },
    });
    expect(byKind("PodDisruptionBudget").spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { "app.kubernetes.io/name": "flyte-connectors" } },
    });
    expect(byKind("ServiceAccount").automountServiceAccountToken).toBe(false);
  });

  it("options: no autoscaler, more workers, a longer drain; bad options are an ImageError", () => {
    const docs = kubernetesManifests({
      image: IMAGE,
      name: "bq",
      autoscaling: false,
      replicas: 3,
      workers: 2,
      shutdownGraceMs: 120_000,
      preStopMs: 0,
    });
    expect(docs.map((m) => m.kind)).not.toContain("HorizontalPodAutoscaler");
    const d = docs.find((m) => m.kind === "Deployment") as any;
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers[0].args).toEqual([
      "--shutdown-grace",
      "120",
      "--workers",
      "2",
      "--max-connection-age",
      "300",
    ]);
    expect(d.spec.template.spec.containers[0].lifecycle).toBeUndefined();
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(120);
    for (const m of docs) expect(() => validate(m)).not.toThrow();
    expect(() => kubernetesManifests({ image: IMAGE, name: "Not_A_Label" })).toThrow(ImageError);
    expect(() =>
      kubernetesManifests({ image: IMAGE, name: "x", autoscaling: { minReplicas: 5, maxReplicas: 2 } }),
    ).toThrow(/maxReplicas/);
  });

  it("the kustomize base renders with kubectl kustomize, and an overlay-style image override applies", () => {
    const dir = path.join(scratch, "kustomize");
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(kustomizeBase(manifests, IMAGE)))
      writeFileSync(path.join(dir, file), text);
    const kustomization = YAML.parse(readFileSync(path.join(dir, "kustomization.yaml"), "utf8"));
    expect(kustomization.images).toEqual([{ name: "ghcr.io/acme/flyte-connectors", newTag: "0123456789ab" }]);
    const digest = `sha256:${"a".repeat(64)}`;
    expect(
      YAML.parse(kustomizeBase(manifests, `127.0.0.1:5000/acme/x:0123@${digest}`)["kustomization.yaml"])
        .images,
    ).toEqual([{ name: "127.0.0.1:5000/acme/x", digest }]);
    expect(kustomization.resources).toHaveLength(5);
    const why = ensureCommands({ kubectl: ["kubectl", "kubernetes-client"] });
    if (why) {
      console.warn(`kubectl kustomize not run: ${why}`);
      return;
    }
    // An overlay would say this; editing the base's kustomization shows the same transformer at work.
    writeFileSync(
      path.join(dir, "kustomization.yaml"),
      YAML.stringify({ ...kustomization, images: [{ name: "ghcr.io/acme/flyte-connectors", newTag: "v2" }] }),
    );
    const rendered = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8" });
    expect(rendered.stderr).toBe("");
    const docs = YAML.parseAllDocuments(rendered.stdout).map((d) => d.toJS());
    expect(docs.map((d) => d.kind).sort()).toEqual(manifests.map((m) => m.kind).sort());
    for (const d of docs) expect(() => validate(d)).not.toThrow();
    expect(docs.find((d) => d.kind === "Deployment").spec.template.spec.containers[0].image).toBe(
      "ghcr.io/acme/flyte-connectors:v2",
    );
  });
});

describe("Flyte backend config", () => {
  it("routes exactly the task types the workspace's connectors serve to the connector deployment, parsed back from YAML", async () => {
    const served = await workspaceConnectors(repoRoot, [
      "@flyte-connectors/connector-bigquery",
      "@flyte-connectors/connector-model-training",
    ]);
    const taskTypes = served.map((c) => c.taskType).sort();
    expect(taskTypes).toEqual(["bigquery_query_job_task", "external_model_training"]);
    const text = backendConfigYaml([
      { id: "flyte-connectors", service: "flyte-connectors", namespace: "flyte", taskTypes },
    ]);
    const parsed = YAML.parse(text);
    const plugin = parsed.plugins["connector-service"];
    expect(plugin.connectors["flyte-connectors"]).toEqual({
      endpoint: "dns:///flyte-connectors.flyte.svc.cluster.local:8000",
      insecure: true,
      defaultServiceConfig: '{"loadBalancingConfig": [{"round_robin":{}}]}',
      defaultTimeout: "10s",
      timeouts: { CreateTask: "30s", GetTask: "10s", DeleteTask: "30s", ListConnectors: "5s" },
    });
    expect(Object.keys(plugin.connectors["flyte-connectors"].timeouts)).toEqual([...BACKEND_OPERATIONS]);
    expect(plugin.connectorForTaskTypes).toEqual(
      Object.fromEntries(taskTypes.map((t) => [t, "flyte-connectors"])),
    );
    expect(plugin.supportedTaskTypes).toEqual(taskTypes);
    expect(parsed.tasks["task-plugins"]["default-for-task-types"]).toEqual(
      Object.fromEntries(taskTypes.map((t) => [t, "connector-service"])),
    );
    // The operator is told what the backend will not do by itself.
    expect(text).toMatch(/discovery alone does not route a task type/);
    expect(text).toMatch(/RESTART the backend/);
  });

  it("one image per connector: one deployment entry each, and a task type in two deployments is refused", () => {
    const config = backendConfig([
      {
        id: "bigquery",
        service: "connector-bigquery",
        taskTypes: ["bigquery_query_job_task"],
        timeoutsMs: { CreateTask: 45_000 },
      },
      {
        id: "training",
        service: "connector-model-training",
        namespace: "ml",
        taskTypes: ["external_model_training"],
        defaultTimeoutMs: 1500,
      },
    ]);
    const plugin = config.plugins["connector-service"] as any;
    expect(plugin.connectors.bigquery.timeouts.CreateTask).toBe("45s");
    expect(plugin.connectors.training).toMatchObject({
      endpoint: "dns:///connector-model-training.ml.svc.cluster.local:8000",
      defaultTimeout: "1500ms",
    });
    expect(plugin.connectorForTaskTypes).toEqual({
      bigquery_query_job_task: "bigquery",
      external_model_training: "training",
    });
    expect(() =>
      backendConfig([
        { id: "a", service: "a", taskTypes: ["t"] },
        { id: "b", service: "b", taskTypes: ["t"] },
      ]),
    ).toThrow(/served by both a and b/);
  });
});

describe("flyte-connector-image manifests", () => {
  async function cli(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const write = { out: process.stdout.write, err: process.stderr.write };
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
    try {
      const code = await main(["node", "flyte-connector-image", ...args]);
      return { code, stdout: out.join(""), stderr: err.join("") };
    } finally {
      process.stdout.write = write.out;
      process.stderr.write = write.err;
    }
  }

  it("--out writes plain YAML, a kustomize base and the backend config, for the task types of --connectors", async () => {
    const out = path.join(scratch, "cli");
    const cwd = process.cwd();
    process.chdir(repoRoot);
    try {
      const result = await cli([
        "manifests",
        "--image",
        IMAGE,
        "--connectors",
        "all",
        "--namespace",
        "connectors",
        "--out",
        out,
      ]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
    } finally {
      process.chdir(cwd);
    }
    for (const f of [
      "kubernetes.yaml",
      "flyte-backend-config.yaml",
      "kustomize/kustomization.yaml",
      "kustomize/deployment.yaml",
    ]) {
      expect(existsSync(path.join(out, f))).toBe(true);
    }
    const docs = YAML.parseAllDocuments(readFileSync(path.join(out, "kubernetes.yaml"), "utf8")).map((d) =>
      d.toJS(),
    );
    for (const d of docs) expect(() => validate(d)).not.toThrow();
    expect(docs.find((d) => d.kind === "Deployment").metadata).toMatchObject({
      name: "flyte-connectors",
      namespace: "connectors",
    });
    const backend = YAML.parse(readFileSync(path.join(out, "flyte-backend-config.yaml"), "utf8"));
    // `all`: every connector package in the workspace, as `flyte-connector list` shows them.
    expect(backend.plugins["connector-service"].supportedTaskTypes).toEqual(
      listedWorkspaceConnectors().taskTypes,
    );
    expect(backend.plugins["connector-service"].connectors["flyte-connectors"].endpoint).toBe(
      "dns:///flyte-connectors.connectors.svc.cluster.local:8000",
    );
  });

  it("without --out prints Kubernetes YAML (or the backend config); without task types it says what is missing", async () => {
    const yaml = await cli(["manifests", "--image", IMAGE, "--task-types", "t1,t2", "--no-autoscaling"]);
    expect(yaml.code).toBe(0);
    const docs = YAML.parseAllDocuments(yaml.stdout).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual([
      "ServiceAccount",
      "Service",
      "Deployment",
      "PodDisruptionBudget",
    ]);
    const backend = await cli([
      "manifests",
      "--image",
      IMAGE,
      "--task-types",
      "t1",
      "--format",
      "backend-config",
    ]);
    expect(YAML.parse(backend.stdout).plugins["connector-service"].supportedTaskTypes).toEqual(["t1"]);
    const missing = await cli(["manifests", "--image", IMAGE]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--connectors <names\|all> or --task-types/);
    const version = await cli(["manifests", "--version"]);
    expect(version.stdout.trim()).toBe("0.1.0");
  });
});

// toYaml is what the CLI prints; it must round-trip.
test("toYaml round-trips", () => {
  expect(YAML.parseAllDocuments(toYaml(manifests)).map((d) => d.toJS())).toEqual(
    JSON.parse(JSON.stringify(manifests)),
  );
});
