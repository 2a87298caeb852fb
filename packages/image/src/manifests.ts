import YAML from "yaml";
import { z } from "zod";
import { GRPC_PORT, METRICS_PORT } from "./context";
import { ImageError } from "./errors";
import { DEFAULT_UID } from "./image";

/** The health service name the readiness probe asks about (the runtime reports one status per service). */
export const ASYNC_CONNECTOR_SERVICE = "flyteidl2.connector.AsyncConnectorService";
/** The plugin ID of the connector plugin in the Flyte backend (for `default-for-task-types`). */
export const BACKEND_PLUGIN_ID = "connector-service";

const quantity = z
  .string()
  .regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, "a Kubernetes quantity such as 250m or 256Mi");

const KubernetesOptionsSchema = z.object({
  image: z.string().min(1),
  name: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a DNS label: lower-case letters, digits and -")
    .max(63),
  namespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
    .max(63)
    .default("flyte"),
  replicas: z.number().int().min(1).default(2),
  autoscaling: z
    .union([
      z.literal(false),
      z.object({
        minReplicas: z.number().int().min(1).default(2),
        maxReplicas: z.number().int().min(1).default(10),
        cpuUtilization: z.number().int().min(1).max(100).default(70),
      }),
    ])
    .default({ minReplicas: 2, maxReplicas: 10, cpuUtilization: 70 }),
  resources: z
    .object({
      cpuRequest: quantity,
      memoryRequest: quantity,
      memoryLimit: quantity,
      cpuLimit: quantity.optional(),
    })
    .default({ cpuRequest: "250m", memoryRequest: "256Mi", memoryLimit: "512Mi" }),
  shutdownGraceMs: z.number().int().min(0).default(30_000),
  preStopMs: z.number().int().min(0).default(5_000),
  workers: z.number().int().min(1).default(1),
  maxConnectionAgeMs: z.number().int().min(0).default(300_000),
  uid: z.number().int().min(1).default(DEFAULT_UID),
  secretName: z.string().min(1).optional(),
  taskTypes: z.array(z.string().min(1)).default([]),
});

/** Options of {@link kubernetesManifests}. Times in milliseconds. */
export interface KubernetesOptions {
  /** Image reference, `registry/name:tag` or `registry/name@sha256:...`. */
  image: string;
  /** Name of every object (a DNS label), e.g. `bigquery-connector`. */
  name: string;
  /** Namespace. Default "flyte". */
  namespace?: string;
  /** Replicas when there is no autoscaler. Default 2, so a node drain or a rollout never stops serving. */
  replicas?: number;
  /** HorizontalPodAutoscaler on CPU, or false for none. Default 2..10 replicas at 70% CPU. */
  autoscaling?: false | { minReplicas?: number; maxReplicas?: number; cpuUtilization?: number };
  /** Default: requests 250m CPU and 256Mi, limit 512Mi memory, no CPU limit (a CPU limit throttles). */
  resources?: { cpuRequest: string; memoryRequest: string; memoryLimit: string; cpuLimit?: string };
  /** The server's drain time on SIGTERM (`--shutdown-grace`). Default 30 000. */
  shutdownGraceMs?: number;
  /** Wait before SIGTERM so endpoints and clients stop sending first. Default 5 000; 0 for none. */
  preStopMs?: number;
  /** `--workers`: processes per pod. Default 1 (scale with replicas; raise with more CPU per pod). */
  workers?: number;
  /**
   * `--max-connection-age`: the server closes each client connection after this long, so the backend
   * re-resolves the Service and spreads calls over pods an autoscaler added. Default 300 000 (5 min); 0
   * for never.
   */
  maxConnectionAgeMs?: number;
  /** uid/gid the pod runs as; must match the image's USER. Default 65532. */
  uid?: number;
  /** Secret mounted at /etc/secrets (optional: the pod starts without it). Default `<name>-secrets`. */
  secretName?: string;
  /** Task types served, recorded in an annotation. */
  taskTypes?: string[];
}

type Manifest = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string } };

function parse(options: KubernetesOptions) {
  const parsed = KubernetesOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ImageError(
      "bad-input",
      parsed.error.issues.map((i) => `${i.path.join(".") || "options"}: ${i.message}`).join("\n"),
    );
  }
  return parsed.data;
}

/** Mebibytes in a memory quantity like 512Mi or 1Gi (undefined for forms not worth guessing at). */
function mebibytes(q: string): number | undefined {
  const m = /^(\d+)(Mi|Gi|M|G)$/.exec(q);
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === "Gi"
    ? n * 1024
    : m[2] === "G"
      ? (n * 1e9) / 2 ** 20
      : m[2] === "M"
        ? (n * 1e6) / 2 ** 20
        : n;
}

/**
 * ServiceAccount, Service, Deployment, HorizontalPodAutoscaler and PodDisruptionBudget for one connector
 * image, in apply order.
 */
export function kubernetesManifests(options: KubernetesOptions): Manifest[] {
  const o = parse(options);
  const labels = {
    "app.kubernetes.io/name": o.name,
    "app.kubernetes.io/component": "flyte-connector",
    "app.kubernetes.io/part-of": "flyte",
  };
  const selector = { "app.kubernetes.io/name": o.name };
  const metadata = { name: o.name, namespace: o.namespace, labels };
  const graceSeconds = Math.ceil(o.shutdownGraceMs / 1000);
  const heapMb = mebibytes(o.resources.memoryLimit);
  const args = [
    "--shutdown-grace",
    String(graceSeconds),
    ...(o.workers > 1 ? ["--workers", String(o.workers)] : []),
    ...(o.maxConnectionAgeMs > 0
      ? ["--max-connection-age", String(Math.ceil(o.maxConnectionAgeMs / 1000))]
      : []),
  ];
  const grpcProbe = (service?: string) => ({ port: GRPC_PORT, ...(service ? { service } : {}) });

  const serviceAccount: Manifest = {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata,
    // Connectors call external systems, not the Kubernetes API.
    automountServiceAccountToken: false,
  };

  const service: Manifest = {
    apiVersion: "v1",
    kind: "Service",
    metadata,
    spec: {
      // Headless: the backend's dns:/// resolver then sees every ready pod and its round_robin policy spreads
      // calls over them. A ClusterIP would hand it one address: one HTTP/2 connection, one pod doing the work.
      clusterIP: "None",
      selector,
      ports: [
        {
          name: "grpc",
          port: GRPC_PORT,
          targetPort: "grpc",
          protocol: "TCP",
          appProtocol: "kubernetes.io/h2c",
        },
        { name: "metrics", port: METRICS_PORT, targetPort: "metrics", protocol: "TCP", appProtocol: "http" },
      ],
    },
  };

  const deployment: Manifest = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      ...metadata,
      ...(o.taskTypes.length
        ? { annotations: { "flyte-connectors/task-types": o.taskTypes.join(",") } }
        : {}),
    },
    spec: {
      replicas: o.autoscaling ? o.autoscaling.minReplicas : o.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      // Never below the wanted number during a rollout: a new pod is ready before an old one drains.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels,
          annotations: {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": String(METRICS_PORT),
            "prometheus.io/path": "/metrics",
          },
        },
        spec: {
          serviceAccountName: o.name,
          automountServiceAccountToken: false,
          // Above preStop + the server's drain, so the kubelet never kills a pod still finishing calls.
          terminationGracePeriodSeconds: Math.ceil(o.preStopMs / 1000) + graceSeconds + 15,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: o.uid,
            runAsGroup: o.uid,
            fsGroup: o.uid,
            seccompProfile: { type: "RuntimeDefault" },
          },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "kubernetes.io/hostname",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: { matchLabels: selector },
            },
          ],
          containers: [
            {
              name: "connector",
              image: o.image,
              imagePullPolicy: "IfNotPresent",
              args,
              env: [
                { name: "LOG_LEVEL", value: "info" },
                ...(heapMb
                  ? [
                      {
                        name: "NODE_OPTIONS",
                        value: `--max-old-space-size=${Math.floor((heapMb * 3) / 4 / o.workers)}`,
                      },
                    ]
                  : []),
              ],
              ports: [
                { name: "grpc", containerPort: GRPC_PORT, protocol: "TCP" },
                { name: "metrics", containerPort: METRICS_PORT, protocol: "TCP" },
              ],
              // All three ask grpc.health.v1; the server reports NOT_SERVING from SIGTERM on, so readiness
              // drops at once (the kubelet stops liveness and startup probes once a pod is terminating).
              startupProbe: { grpc: grpcProbe(), periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 30 },
              readinessProbe: {
                grpc: grpcProbe(ASYNC_CONNECTOR_SERVICE),
                periodSeconds: 5,
                timeoutSeconds: 2,
                failureThreshold: 2,
              },
              livenessProbe: { grpc: grpcProbe(), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
              ...(o.preStopMs > 0
                ? { lifecycle: { preStop: { sleep: { seconds: Math.ceil(o.preStopMs / 1000) } } } }
                : {}),
              resources: {
                requests: { cpu: o.resources.cpuRequest, memory: o.resources.memoryRequest },
                limits: {
                  memory: o.resources.memoryLimit,
                  ...(o.resources.cpuLimit ? { cpu: o.resources.cpuLimit } : {}),
                },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
              volumeMounts: [
                { name: "secrets", mountPath: "/etc/secrets", readOnly: true },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            {
              name: "secrets",
              secret: { secretName: o.secretName ?? `${o.name}-secrets`, optional: true, defaultMode: 0o440 },
            },
            // The root filesystem is read-only; HOME and temporary files go here.
            { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
          ],
        },
      },
    },
  };

  const manifests: Manifest[] = [serviceAccount, service, deployment];
  if (o.autoscaling) {
    if (o.autoscaling.maxReplicas < o.autoscaling.minReplicas) {
      throw new ImageError(
        "bad-input",
        `autoscaling: maxReplicas ${o.autoscaling.maxReplicas} is below minReplicas ${o.autoscaling.minReplicas}`,
      );
    }
    manifests.push({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata,
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: o.name },
        minReplicas: o.autoscaling.minReplicas,
        maxReplicas: o.autoscaling.maxReplicas,
        metrics: [
          {
            type: "Resource",
            resource: {
              name: "cpu",
              target: { type: "Utilization", averageUtilization: o.autoscaling.cpuUtilization },
            },
          },
        ],
      },
    });
  }
  manifests.push({
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata,
    spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
  });
  return manifests;
}

/** Splits `registry/name:tag@sha256:...` (tag and digest each optional). */
export function parseReference(reference: string): { repository: string; tag?: string; digest?: string } {
  const at = reference.indexOf("@");
  const digest = at >= 0 ? reference.slice(at + 1) : undefined;
  const named = at >= 0 ? reference.slice(0, at) : reference;
  const colon = named.lastIndexOf(":");
  const hasTag = colon > named.lastIndexOf("/");
  return {
    repository: hasTag ? named.slice(0, colon) : named,
    tag: hasTag ? named.slice(colon + 1) : undefined,
    digest,
  };
}

/** Multi-document YAML. */
export function toYaml(docs: object[]): string {
  return docs.map((d) => YAML.stringify(d, { lineWidth: 0 })).join("---\n");
}

/** The files of a kustomize base for these manifests: `kustomization.yaml` and one file per object. */
export function kustomizeBase(manifests: Manifest[], image: string): Record<string, string> {
  const files: Record<string, string> = {};
  const resources: string[] = [];
  for (const m of manifests) {
    const file = `${m.kind.replace(/[A-Z]/g, (c, i: number) => (i ? "-" : "") + c.toLowerCase())}.yaml`;
    files[file] = YAML.stringify(m, { lineWidth: 0 });
    resources.push(file);
  }
  const { repository, tag, digest } = parseReference(image);
  // A digest pins harder than a tag; kustomize then writes repository@digest.
  const pin = digest ? { digest } : tag ? { newTag: tag } : {};
  files["kustomization.yaml"] = YAML.stringify(
    {
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources,
      // Overlays change the tag or the registry here, without patching the Deployment.
      images: [{ name: repository, ...pin }],
    },
    { lineWidth: 0 },
  );
  return files;
}
