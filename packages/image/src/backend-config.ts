import YAML from "yaml";
import { z } from "zod";
import { GRPC_PORT } from "./context";
import { ImageError } from "./errors";
import { BACKEND_PLUGIN_ID } from "./manifests";

/** The per-operation timeouts the Flyte backend's connector plugin reads (its `timeouts` keys). */
export const BACKEND_OPERATIONS = ["CreateTask", "GetTask", "DeleteTask", "ListConnectors"] as const;
export type BackendOperation = (typeof BACKEND_OPERATIONS)[number];

/**
 * Deadlines the config sets by default. CreateTask gets more than the backend's 10 s default: a create that
 * times out after the external job started costs a task retry (the connector's idempotency key keeps it
 * from starting twice, but the attempt is still spent).
 */
export const DEFAULT_TIMEOUTS_MS: Readonly<Record<BackendOperation, number>> = {
  CreateTask: 30_000,
  GetTask: 10_000,
  DeleteTask: 30_000,
  ListConnectors: 5_000,
};

const DeploymentSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . -"),
  service: z.string().min(1),
  namespace: z.string().min(1).default("flyte"),
  port: z.number().int().min(1).max(65535).default(GRPC_PORT),
  taskTypes: z.array(z.string().min(1)).min(1, "at least one task type"),
  insecure: z.boolean().default(true),
  defaultTimeoutMs: z.number().int().positive().default(10_000),
  timeoutsMs: z.partialRecord(z.enum(BACKEND_OPERATIONS), z.number().int().positive()).default({}),
});

/** One connector deployment (one image behind one Service) as the backend should see it. Times in ms. */
export interface ConnectorDeployment {
  /** Key under `connectors`, referenced by `connectorForTaskTypes`. Usually the Service name. */
  id: string;
  /** Kubernetes Service name. */
  service: string;
  /** Default "flyte". */
  namespace?: string;
  /** Default 8000. */
  port?: number;
  /** Task types this deployment serves. */
  taskTypes: string[];
  /** Plain-text gRPC inside the cluster. Default true. */
  insecure?: boolean;
  /** Deadline for operations without their own. Default 10 000. */
  defaultTimeoutMs?: number;
  /** Per-operation deadlines, merged over {@link DEFAULT_TIMEOUTS_MS}. */
  timeoutsMs?: Partial<Record<BackendOperation, number>>;
}

/** A Go duration string (what the backend's config parser takes) for milliseconds. */
export function goDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** The endpoint the backend dials: its gRPC DNS resolver, round-robin over the headless Service's pods. */
export function serviceEndpoint(service: string, namespace: string, port = GRPC_PORT): string {
  return `dns:///${service}.${namespace}.svc.cluster.local:${port}`;
}

/** The config as an object: `plugins.connector-service` and `tasks.task-plugins.default-for-task-types`. */
export function backendConfig(deployments: ConnectorDeployment[]) {
  const parsed = deployments.map((d) => {
    const result = DeploymentSchema.safeParse(d);
    if (!result.success)
      throw new ImageError(
        "bad-input",
        `connector deployment ${d.id}: ${result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      );
    return result.data;
  });
  const connectors: Record<string, unknown> = {};
  const connectorForTaskTypes: Record<string, string> = {};
  for (const d of parsed) {
    const timeouts = { ...DEFAULT_TIMEOUTS_MS, ...d.timeoutsMs };
    connectors[d.id] = {
      endpoint: serviceEndpoint(d.service, d.namespace, d.port),
      insecure: d.insecure,
      defaultServiceConfig: '{"loadBalancingConfig": [{"round_robin":{}}]}',
      defaultTimeout: goDuration(d.defaultTimeoutMs),
      timeouts: Object.fromEntries(BACKEND_OPERATIONS.map((op) => [op, goDuration(timeouts[op])])),
    };
    for (const t of d.taskTypes) {
      if (connectorForTaskTypes[t] && connectorForTaskTypes[t] !== d.id) {
        throw new ImageError(
          "bad-input",
          `task type ${t} is served by both ${connectorForTaskTypes[t]} and ${d.id}; the backend routes a task type to one deployment`,
        );
      }
      connectorForTaskTypes[t] = d.id;
    }
  }
  const taskTypes = Object.keys(connectorForTaskTypes).sort();
  return {
    plugins: {
      [BACKEND_PLUGIN_ID]: {
        connectors,
        connectorForTaskTypes: Object.fromEntries(taskTypes.map((t) => [t, connectorForTaskTypes[t]])),
        supportedTaskTypes: taskTypes,
      },
    },
    tasks: {
      "task-plugins": {
        "default-for-task-types": Object.fromEntries(taskTypes.map((t) => [t, BACKEND_PLUGIN_ID])),
      },
    },
  };
}

/** {@link backendConfig} as commented YAML, ready to merge into the Flyte backend's configuration. */
export function backendConfigYaml(deployments: ConnectorDeployment[]): string {
  const doc = new YAML.Document(backendConfig(deployments));
  doc.commentBefore = [
    " Flyte 2 backend configuration for these connectors: merge into the backend's config (flyte-binary:",
    " configuration.inline; flyte-core: the propeller/executor config map), then RESTART the backend.",
    "",
    " ListConnectors discovery alone does not route a task type in Flyte 2: the backend sends a task type to",
    " the connector plugin only when `supportedTaskTypes` or `tasks.task-plugins.default-for-task-types` names",
    " it, and `connectorForTaskTypes` picks the deployment. The backend reads these lists at start-up, so a",
    " change takes effect only after a restart.",
  ].join("\n");
  return doc.toString({ lineWidth: 0 });
}
