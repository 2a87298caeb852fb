import { ConnectorError, type TaskTemplateSpec } from "@flyte-connectors/runtime";

/** Where the Python connector's entry point lives; its `spark_python_task` runs it from this commit. */
export const ENTRYPOINT_PYTHON_FILE = "flyteplugins/databricks/entrypoint.py";
export const ENTRYPOINT_GIT_SOURCE = Object.freeze({
  git_url: "https://github.com/flyteorg/flytetools",
  git_provider: "gitHub",
  git_commit: "194364210c47c49ce66c419e8fb68d6f9c06fd7e",
});
/** The environment variable naming the workspace when the task does not (the Python connector's). */
export const INSTANCE_ENV = "FLYTE_DATABRICKS_INSTANCE";

/** The task kinds a `DatabricksTask` can run, and where each takes the task's inputs. */
export const PARAMETER_SLOTS = {
  notebook_task: { key: "base_parameters", shape: "map" },
  sql_task: { key: "parameters", shape: "map" },
  python_wheel_task: { key: "named_parameters", shape: "map" },
  spark_python_task: { key: "parameters", shape: "list" },
  spark_jar_task: { key: "parameters", shape: "list" },
  spark_submit_task: { key: "parameters", shape: "list" },
} as const;
export type TaskKind = keyof typeof PARAMETER_SLOTS;
export const TASK_KINDS = Object.keys(PARAMETER_SLOTS) as TaskKind[];

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const bad = (field: string, message: string) =>
  ConnectorError.badRequest(`${field}: ${message}`, { details: { field } });

/** A deep copy of JSON, so the template the runtime holds is never changed. */
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * The workspace: `custom.databricksInstance`, else `FLYTE_DATABRICKS_INSTANCE`. A host
 * (`myorg.cloud.databricks.com`) is reached over https, as the Python connector does; a value with a
 * scheme (`http://127.0.0.1:9060`, the local emulator) is used as given.
 */
export function instanceOf(custom: Json | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const given = custom?.databricksInstance ?? env[INSTANCE_ENV];
  if (given === undefined || given === null || given === "") {
    throw bad(
      "custom.databricksInstance",
      `the Databricks workspace is not set; set databricksInstance in the task config or ${INSTANCE_ENV} in the connector's environment`,
    );
  }
  if (typeof given !== "string")
    throw bad("custom.databricksInstance", "must be a host name such as myorg.cloud.databricks.com");
  baseUrlOf(given, "custom.databricksInstance");
  return given;
}

/** `https://host` for a bare host, the value itself (without trailing slashes) when it has a scheme. */
export function baseUrlOf(instance: string, field = "resource_meta.databricks_instance"): string {
  const text = instance.trim().replace(/\/+$/, "");
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw bad(field, `${JSON.stringify(instance)} is not a host name or an http(s) URL`);
  }
  if (
    (url.protocol !== "https:" && url.protocol !== "http:") ||
    !url.hostname ||
    (url.pathname !== "/" && url.pathname !== "")
  ) {
    throw bad(field, `${JSON.stringify(instance)} is not a host name or an http(s) URL without a path`);
  }
  return `${url.protocol}//${url.host}`;
}

/** A copy of `custom.databricksConf` (the template the runtime holds is never changed), checked to be an object. */
function jobConfOf(custom: Json): Json {
  const conf = custom.databricksConf;
  if (conf === undefined || conf === null)
    throw bad("custom.databricksConf", "the Databricks job configuration is missing");
  if (!isObject(conf))
    throw bad("custom.databricksConf", "must be an object in the Jobs API runs/submit shape");
  return copy(conf);
}

/** The job's `new_cluster`, required when it names no `existing_cluster_id`. */
function newClusterOf(job: Json): Json {
  const cluster = job.new_cluster;
  if (cluster === undefined || cluster === null) {
    throw bad(
      "custom.databricksConf.new_cluster",
      "either existing_cluster_id or new_cluster must be specified",
    );
  }
  if (!isObject(cluster))
    throw bad("custom.databricksConf.new_cluster", "must be an object (a Jobs API cluster spec)");
  return cluster;
}

/**
 * The runs/submit body for a template written by flyte-sdk's `flyteplugins-databricks` (a container
 * target): exactly what the Python connector's `_get_databricks_job_spec` sends, field by field.
 */
export function pythonJobSpec(template: TaskTemplateSpec): Json {
  const custom = (template.custom ?? {}) as Json;
  const container = template.target?.$case === "container" ? template.target.value : undefined;
  const job = jobConfOf(custom);
  const env = Object.fromEntries((container?.env ?? []).map((kv) => [kv.key, kv.value]));
  if (job.existing_cluster_id === undefined || job.existing_cluster_id === null) {
    const cluster = newClusterOf(job);
    // Python's `if not x`: missing, null, "" and {} all count as unset.
    if (!truthy(cluster.docker_image)) cluster.docker_image = { url: container?.image ?? "" };
    if (!truthy(cluster.spark_conf)) cluster.spark_conf = custom.sparkConf ?? {};
    if (!truthy(cluster.spark_env_vars)) cluster.spark_env_vars = env;
    else if (isObject(cluster.spark_env_vars)) Object.assign(cluster.spark_env_vars, env);
    else throw bad("custom.databricksConf.new_cluster.spark_env_vars", "must be an object of strings");
  }
  job.spark_python_task = {
    python_file: ENTRYPOINT_PYTHON_FILE,
    parameters: [...(container?.args ?? [])],
    source: "GIT",
  };
  job.git_source = { ...ENTRYPOINT_GIT_SOURCE };
  return job;
}

function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === "" || value === false || value === 0) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return true;
}

/** An input as a Jobs API parameter: text as is, dates as ISO-8601, anything else as JSON. */
export function parameterText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? "null";
}

/**
 * The runs/submit body for a template without a container (a `DatabricksTask`): `databricksConf` as
 * given, with the task's inputs as the parameters of its one task — named parameters of a notebook, SQL
 * or wheel task, `--name=value` items appended to a Python, JAR or spark-submit task's list.
 */
export function nativeJobSpec(template: TaskTemplateSpec, inputs: Readonly<Record<string, unknown>>): Json {
  const custom = (template.custom ?? {}) as Json;
  const job = jobConfOf(custom);
  const kinds = TASK_KINDS.filter((k) => job[k] !== undefined);
  if (kinds.length !== 1) {
    throw bad(
      "custom.databricksConf",
      kinds.length === 0
        ? `names no task to run; give one of ${TASK_KINDS.join(", ")}`
        : `names ${kinds.length} tasks (${kinds.join(", ")}); give exactly one`,
    );
  }
  const kind = kinds[0];
  const task = job[kind];
  if (!isObject(task)) throw bad(`custom.databricksConf.${kind}`, "must be an object");
  const needsCluster = kind !== "sql_task";
  if (needsCluster && (job.existing_cluster_id === undefined || job.existing_cluster_id === null)) {
    const cluster = newClusterOf(job);
    if (!truthy(cluster.spark_conf) && isObject(custom.sparkConf) && truthy(custom.sparkConf))
      cluster.spark_conf = custom.sparkConf;
  }
  const names = Object.keys(inputs);
  if (names.length) {
    const slot = PARAMETER_SLOTS[kind];
    const field = `custom.databricksConf.${kind}.${slot.key}`;
    const current = task[slot.key];
    if (slot.shape === "map") {
      if (current !== undefined && !isObject(current)) throw bad(field, "must be an object of strings");
      task[slot.key] = {
        ...(current as Json | undefined),
        ...Object.fromEntries(names.map((n) => [n, parameterText(inputs[n])])),
      };
    } else {
      if (current !== undefined && !Array.isArray(current)) throw bad(field, "must be a list of strings");
      task[slot.key] = [
        ...((current as unknown[] | undefined) ?? []),
        ...names.map((n) => `--${n}=${parameterText(inputs[n])}`),
      ];
    }
  }
  return job;
}

/** The runs/submit body for any template: the Python plugin's shape when it has a container. */
export function jobSpecOf(template: TaskTemplateSpec, inputs: Readonly<Record<string, unknown>>): Json {
  return template.target?.$case === "container" ? pythonJobSpec(template) : nativeJobSpec(template, inputs);
}
