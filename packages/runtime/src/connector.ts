import { isUtf8 } from "node:buffer";
import type { Logger } from "pino";
import { ConnectorError } from "./errors";
import type { TaskExecutionPhase } from "./phase";
import type { SecretStore } from "./secrets";
import type { TaskTemplate as TaskTemplateProto } from "./gen/flyteidl2/core/tasks";
import type { TaskExecutionMetadata as TaskExecutionMetadataProto } from "./gen/flyteidl2/connector/connector";

/** The wire form of a task template, as the backend sends it (`custom` is a plain object). */
export type TaskTemplateSpec = TaskTemplateProto;
/** The wire form of task execution metadata (execution id, namespace, labels, service account, ...). */
export type TaskExecutionMetadata = TaskExecutionMetadataProto;

/** A task type a connector serves. The backend routes tasks by (name, version). */
export interface TaskCategory {
  readonly name: string;
  readonly version: number;
}

/**
 * Turns a connector's job metadata into the `resource_meta` bytes the backend stores, and back. All of a
 * job's state lives there, so any replica can answer any call.
 */
export interface MetadataCodec<M> {
  encode(meta: M): Uint8Array;
  /** Throws a bad-request `ConnectorError` for bytes that are not a valid meta. */
  decode(bytes: Uint8Array): M;
}

/** A link the Flyte UI shows next to the task (a console, a dashboard). */
export interface LogLink {
  name: string;
  uri: string;
  /** Whether the link works now; defaults to true. */
  ready?: boolean;
  iconUri?: string;
  /** How the UI shows it; default `external`. */
  kind?: "external" | "dashboard" | "ide";
}

/** What `get` reports. */
export interface Resource {
  phase: TaskExecutionPhase;
  /** A human-readable state ("waiting for a slot", the external error). */
  message?: string;
  logLinks?: LogLink[];
  /**
   * Native output values by output name (`FlyteFile`, `DataFrame`, numbers, ...). Set them on SUCCEEDED;
   * the runtime converts them to literals and the backend writes them to the output prefix.
   */
  outputs?: Record<string, unknown>;
  /** Connector-specific JSON the UI shows (bytes processed, cost, ...). */
  customInfo?: Record<string, unknown>;
}

/** What every call gets. */
export interface CallContext {
  /** The task type this call is for. */
  readonly taskCategory: TaskCategory;
  /**
   * Secrets: the task's `connection.secrets`, then environment variables and mounted files (see
   * `SecretStore`). Never log them; the runtime scrubs known values from logs and error messages.
   */
  readonly secrets: SecretStore;
  /** Non-secret per-task settings from `connection.configs`. */
  readonly configs: Readonly<Record<string, string>>;
  /**
   * Fires when the client cancels, the call's deadline passes, the server shuts down — or the call has
   * been answered, so work the connector left running stops too. Pass it to every HTTP call.
   */
  readonly signal: AbortSignal;
  /**
   * When the caller stops waiting (epoch ms), if it set a deadline (the backend's default is 10 s). Retry
   * loops should finish before it, so `get` can still answer "not yet" instead of timing out.
   */
  readonly deadline?: number;
  /**
   * A signal that fires `marginMs` (default 750) before the deadline, or with `signal`: give it to calls
   * on the external system, and when it fires while `signal` has not, answer "not yet" (a non-terminal
   * phase with a message) instead of letting the call time out. The runtime owns and clears its timer.
   */
  beforeDeadline(marginMs?: number): AbortSignal;
  /** Milliseconds left before the deadline minus `marginMs` (default 0), never below 0; `Infinity` without one. */
  timeLeft(marginMs?: number): number;
  /** A logger bound to the task type, operation and, once known, the job id. Made on first use. */
  readonly logger: Logger;
}

/** What `create` gets. */
export interface CreateContext extends CallContext {
  /** The task template: `custom` holds the task's custom config, `target.sql` its SQL. */
  readonly taskTemplate: TaskTemplateSpec;
  /** Native input values, converted from literals using the template's interface. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Where the backend writes outputs; a connector may write large outputs under it. */
  readonly outputPrefix: string;
  readonly taskExecutionMetadata: TaskExecutionMetadata | undefined;
  /**
   * Stable for one task attempt (a hash of project, domain, run, node id and retry attempt): send it as
   * the external system's idempotency key or job id, so a repeated create finds the same job. Random when
   * the request carries no task execution id.
   */
  readonly idempotencyKey: string;
}

/** Arguments of `getLogs`. */
export interface LogsRequest {
  /** Continue from this token (empty for the start). */
  token: string;
  /** How many lines the caller wants; 0 for the connector's default. */
  lines: number;
}

/** One line of a task's logs. */
export interface LogLine {
  message: string;
  timestamp?: Date;
}

/** A piece of a log stream: a `token` to resume from, and/or lines. */
export interface LogChunk {
  token?: string;
  lines?: Array<string | LogLine>;
}

/** Arguments of `getMetrics`. */
export interface MetricsRequest {
  queries: string[];
  startTime?: Date;
  endTime?: Date;
  /** Resolution in milliseconds. */
  stepMs?: number;
}

/** One metric series, in whatever JSON shape the connector's metrics take. */
export interface MetricResult {
  metric: string;
  data: Record<string, unknown>;
}

/**
 * The base class of every connector. Implement `create`, `get` and `delete`; `getMetrics` and `getLogs`
 * are optional. The runtime calls them from the gRPC server and from the local executor; a connector
 * knows nothing of gRPC.
 *
 * Three rules come from how the Flyte backend calls connectors:
 * - `create` must be idempotent: use `ctx.idempotencyKey`, so a retried create finds the same job.
 * - `get` must not throw for transient trouble (the backend gives up after 5 errors): return a
 *   non-terminal phase with a message instead, and throw only for bad requests.
 * - `delete` must succeed for jobs that are finished, already deleted, or unknown.
 */
export abstract class AsyncConnector<M> {
  /** Shown in `ListConnectors`; connectors with one name are grouped. */
  abstract readonly name: string;
  abstract readonly taskTypeName: string;
  readonly taskTypeVersion: number = 0;
  /** Encodes the job metadata into `resource_meta`. `jsonMeta()` matches the Python SDK. */
  abstract readonly metadata: MetadataCodec<M>;

  /** Starts the external job and returns its metadata. */
  abstract create(ctx: CreateContext): Promise<M>;
  /** Reports the job's state. */
  abstract get(meta: M, ctx: CallContext): Promise<Resource>;
  /** Cancels the job, or does nothing when it is finished or unknown. */
  abstract delete(meta: M, ctx: CallContext): Promise<void>;
  /** Optional: the job's metrics. */
  getMetrics?(meta: M, request: MetricsRequest, ctx: CallContext): Promise<MetricResult[]>;
  /** Optional: the job's logs, as an async iterable of chunks. */
  getLogs?(meta: M, request: LogsRequest, ctx: CallContext): AsyncIterable<LogChunk>;

  get taskCategory(): TaskCategory {
    return { name: this.taskTypeName, version: this.taskTypeVersion };
  }
}

const encoder = new TextEncoder();

/**
 * The default metadata codec: UTF-8 JSON, like the Python SDK's `ResourceMeta`, with the same snake_case
 * field names, so jobs created by a Python replica can be polled by this one and the other way round.
 *
 * `required` lists the fields a valid meta must have (non-null); decoding garbage, non-objects or metas
 * missing a required field throws a bad-request error that never echoes the bytes.
 *
 * @example
 * ```ts
 * readonly metadata = jsonMeta<{ job_id: string; endpoint: string }>(["job_id", "endpoint"]);
 * ```
 */
export function jsonMeta<M extends object>(required: ReadonlyArray<keyof M & string> = []): MetadataCodec<M> {
  return {
    encode(meta: M): Uint8Array {
      return encoder.encode(JSON.stringify(meta));
    },
    decode(bytes: Uint8Array): M {
      // Every get and delete decodes one: a native UTF-8 check and a view, not a copying decoder.
      const buffer = Buffer.isBuffer(bytes)
        ? bytes
        : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let value: unknown;
      try {
        if (!isUtf8(buffer)) throw new TypeError("not UTF-8");
        value = JSON.parse(buffer.toString("utf8"));
      } catch (cause) {
        throw ConnectorError.badRequest(`resource_meta is not valid UTF-8 JSON (${bytes.length} bytes)`, {
          cause,
        });
      }
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw ConnectorError.badRequest("resource_meta must be a JSON object");
      }
      for (const key of required) {
        if ((value as Record<string, unknown>)[key] == null) {
          const missing = required.filter((k) => (value as Record<string, unknown>)[k] == null);
          throw ConnectorError.badRequest(
            `resource_meta is missing ${missing.map((k) => `"${k}"`).join(", ")}`,
          );
        }
      }
      return value as M;
    },
  };
}
