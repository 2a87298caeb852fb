import type {
  sendUnaryData,
  ServerUnaryCall,
  ServerWritableStream,
  UntypedServiceImplementation,
} from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { CallContext, LogLink, Resource, TaskCategory } from "../connector";
import { ConnectorError } from "../errors";
import { idempotencyKeyFor } from "../idempotency";
import { inputsToNative, nativeToOutputs } from "../literals";
import { isValidPhase, phaseName } from "../phase";
import type { AnyConnector, ConnectorRegistry } from "../registry";
import { SecretStore, type ActiveSecrets, type SecretSourceOptions } from "../secrets";
import type {
  CreateTaskRequest,
  CreateTaskResponse,
  DeleteTaskRequest,
  DeleteTaskResponse,
  GetConnectorRequest,
  GetConnectorResponse,
  GetTaskLogsRequest,
  GetTaskLogsResponse,
  GetTaskMetricsRequest,
  GetTaskMetricsResponse,
  GetTaskRequest,
  GetTaskResponse,
  ListConnectorsRequest,
  ListConnectorsResponse,
  Resource as ResourceProto,
} from "../gen/flyteidl2/connector/connector";
import { Inputs } from "../gen/flyteidl2/task/common";
import { TaskLog_LinkType, type TaskLog } from "../gen/flyteidl2/core/execution";
import type { Timestamp } from "../gen/google/protobuf/timestamp";
import { CallSignal, logCallError, rejectMalformed, toGrpcError, type SurfaceCall } from "./call";
import type { ConnectorMetrics, Operation } from "./metrics";

export interface ServiceDeps {
  registry: ConnectorRegistry;
  logger: Logger;
  metrics: ConnectorMetrics;
  activeSecrets: ActiveSecrets;
  secretSources: SecretSourceOptions;
  /** Counts calls in flight, for graceful shutdown. */
  inFlight: { add(signal: CallSignal): () => void };
}

interface Invocation {
  connector: AnyConnector;
  /** `ctx.logger` is re-bound by `bind()`, so always read it from `ctx`. */
  ctx: CallContext;
  bind(fields: Record<string, unknown>): void;
}

/** Label for metrics: the task type when it is registered, else "unknown" (no unbounded label values). */
function taskTypeLabel(registry: ConnectorRegistry, category: TaskCategory | undefined): string {
  return category && registry.has(category) ? category.name : "unknown";
}

/** A job id from a decoded meta, for log lines, when the meta has an obvious one. */
function jobIdOf(meta: unknown): string | undefined {
  if (!meta || typeof meta !== "object") return undefined;
  const m = meta as Record<string, unknown>;
  const id = m.job_id ?? m.jobId ?? m.id;
  return typeof id === "string" || typeof id === "number" ? String(id) : undefined;
}

/**
 * The adapter between gRPC and connectors: resolves the connector, builds its context (secrets, configs,
 * logger, AbortSignal from the call's deadline and cancellation), converts literals, maps errors to
 * statuses, and records metrics. Connectors never see gRPC.
 */
export class ConnectorServiceHandlers {
  constructor(private readonly deps: ServiceDeps) {}

  asyncConnectorService(): UntypedServiceImplementation {
    return {
      createTask: (call: ServerUnaryCall<CreateTaskRequest, CreateTaskResponse>, cb: sendUnaryData<CreateTaskResponse>) =>
        this.#unary(cb, () => this.#createTask(call)),
      getTask: (call: ServerUnaryCall<GetTaskRequest, GetTaskResponse>, cb: sendUnaryData<GetTaskResponse>) =>
        this.#unary(cb, () => this.#getTask(call)),
      deleteTask: (call: ServerUnaryCall<DeleteTaskRequest, DeleteTaskResponse>, cb: sendUnaryData<DeleteTaskResponse>) =>
        this.#unary(cb, () => this.#deleteTask(call)),
      getTaskMetrics: (
        call: ServerUnaryCall<GetTaskMetricsRequest, GetTaskMetricsResponse>,
        cb: sendUnaryData<GetTaskMetricsResponse>,
      ) => this.#unary(cb, () => this.#getTaskMetrics(call)),
      getTaskLogs: (call: ServerWritableStream<GetTaskLogsRequest, GetTaskLogsResponse>) => this.#getTaskLogs(call),
    };
  }

  connectorMetadataService(): UntypedServiceImplementation {
    return {
      listConnectors: (
        call: ServerUnaryCall<ListConnectorsRequest, ListConnectorsResponse>,
        cb: sendUnaryData<ListConnectorsResponse>,
      ) => {
        // Called every 10 s by every backend replica: keep it cheap, no logging, no metrics.
        cb(null, {
          connectors: this.deps.registry.info().map((c) => ({ name: c.name, supportedTaskCategories: c.taskCategories })),
        });
      },
      getConnector: (call: ServerUnaryCall<GetConnectorRequest, GetConnectorResponse>, cb: sendUnaryData<GetConnectorResponse>) => {
        const info = this.deps.registry.info().find((c) => c.name === call.request?.name);
        if (!info) {
          cb({ code: 5 /* NOT_FOUND */, details: `no connector named "${String(call.request?.name ?? "")}"` });
          return;
        }
        cb(null, { connector: { name: info.name, supportedTaskCategories: info.taskCategories } });
      },
    };
  }

  // --- AsyncConnectorService ---------------------------------------------------------------------------

  #createTask(call: ServerUnaryCall<CreateTaskRequest, CreateTaskResponse>) {
    const request = call.request;
    const target = () => {
      rejectMalformed(request);
      if (!request.template) throw ConnectorError.badRequest("CreateTask needs a template");
      if (!request.template.type) throw ConnectorError.badRequest("the template has no task type");
      return {
        category: { name: request.template.type, version: request.template.taskTypeVersion },
        connection: request.connection,
      };
    };
    return this.#invoke(call, "create", target, async ({ connector, ctx, bind }) => {
      const template = request.template!;
      const category = ctx.taskCategory;
      const inputBytes = request.inputs ? Inputs.encode(request.inputs).finish().length : 0;
      this.deps.metrics.inputBytes(category.name, inputBytes);
      const inputs = inputsToNative(request.inputs, template.interface);
      const idempotencyKey = idempotencyKeyFor(request.taskExecutionMetadata);
      bind({ idempotencyKey });
      const meta = await connector.create({
        ...ctx,
        taskTemplate: template,
        inputs,
        outputPrefix: request.outputPrefix,
        taskExecutionMetadata: request.taskExecutionMetadata,
        idempotencyKey,
      });
      const resourceMeta = Buffer.from(connector.metadata.encode(meta));
      const jobId = jobIdOf(meta);
      if (jobId) bind({ jobId });
      ctx.logger.info({ inputBytes }, "created");
      return { resourceMeta };
    });
  }

  #getTask(call: ServerUnaryCall<GetTaskRequest, GetTaskResponse>) {
    const request = call.request;
    return this.#invoke(call, "get", () => targetOf(request, request.connection), async ({ connector, ctx, bind }) => {
      const meta = decodeMeta(connector, request.resourceMeta);
      bind({ jobId: jobIdOf(meta) });
      const resource = await connector.get(meta, ctx);
      const proto = resourceToProto(resource);
      ctx.logger.debug({ phase: phaseName(proto.phase) }, "polled");
      return { resource: proto };
    });
  }

  #deleteTask(call: ServerUnaryCall<DeleteTaskRequest, DeleteTaskResponse>) {
    const request = call.request;
    return this.#invoke(call, "delete", () => targetOf(request, request.connection), async ({ connector, ctx, bind }) => {
      const meta = decodeMeta(connector, request.resourceMeta);
      bind({ jobId: jobIdOf(meta) });
      await connector.delete(meta, ctx);
      ctx.logger.info("deleted");
      return {};
    });
  }

  #getTaskMetrics(call: ServerUnaryCall<GetTaskMetricsRequest, GetTaskMetricsResponse>) {
    const request = call.request;
    return this.#invoke(call, "get_metrics", () => targetOf(request, undefined), async ({ connector, ctx, bind }) => {
      if (!connector.getMetrics) throw ConnectorError.unimplemented(`"${connector.name}" does not report metrics`);
      const meta = decodeMeta(connector, request.resourceMeta);
      bind({ jobId: jobIdOf(meta) });
      const results = await connector.getMetrics(
        meta,
        {
          queries: request.queries,
          startTime: timestampToDate(request.startTime),
          endTime: timestampToDate(request.endTime),
          stepMs: request.step ? Number(request.step.seconds) * 1000 + Math.round(request.step.nanos / 1e6) : undefined,
        },
        ctx,
      );
      return { results: results.map((r) => ({ metric: r.metric, data: jsonSafe(r.data) as Record<string, unknown> })) };
    });
  }

  async #getTaskLogs(call: ServerWritableStream<GetTaskLogsRequest, GetTaskLogsResponse>): Promise<void> {
    try {
      const request = call.request;
      await this.#invoke(call, "get_logs", () => targetOf(request, undefined), async ({ connector, ctx, bind }) => {
        if (!connector.getLogs) throw ConnectorError.unimplemented(`"${connector.name}" does not stream logs`);
        const meta = decodeMeta(connector, request.resourceMeta);
        bind({ jobId: jobIdOf(meta) });
        const chunks = connector.getLogs(meta, { token: request.token, lines: Number(request.lines) }, ctx);
        for await (const chunk of chunks) {
          if (ctx.signal.aborted) break;
          if (chunk.token !== undefined) await write(call, { part: { $case: "header", value: { token: chunk.token } } });
          if (chunk.lines && chunk.lines.length > 0) {
            const lines = chunk.lines.map((line) => (typeof line === "string" ? { message: line } : line));
            await write(call, {
              part: {
                $case: "body",
                value: {
                  results: lines.map((l) => l.message),
                  lines: lines.map((l) => ({ message: l.message, timestamp: dateToTimestamp(l.timestamp), originator: 0 })),
                },
              },
            });
          }
        }
      });
      call.end();
    } catch (error) {
      call.emit("error", error);
    }
  }

  // --- the shared pipeline ---------------------------------------------------------------------------

  /** Answers a unary call with the handler's value or its mapped error. */
  #unary<T>(cb: sendUnaryData<T>, run: () => Promise<T>): void {
    run().then(
      (value) => cb(null, value),
      (error) => cb(error),
    );
  }

  /**
   * Resolves the connector, builds the call context, runs `body`, and turns whatever it throws into a
   * gRPC error object (which the caller passes on). Metrics and the call's log line happen here, once.
   */
  async #invoke<T>(
    call: SurfaceCall,
    operation: Operation,
    target: () => Target,
    body: (invocation: Invocation) => Promise<T>,
  ): Promise<T> {
    const { registry, metrics, activeSecrets } = this.deps;
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    const callSignal = new CallSignal(call);
    const leave = this.deps.inFlight.add(callSignal);
    let label = "unknown";
    let secrets = new SecretStore({}, this.deps.secretSources);
    let releaseSecrets = () => {};
    let logger = this.deps.logger.child({ operation });
    try {
      const { category, connection } = target();
      label = taskTypeLabel(registry, category);
      logger = this.deps.logger.child({ taskType: category.name, taskTypeVersion: category.version, operation });
      secrets = new SecretStore(connection?.secrets ?? {}, this.deps.secretSources);
      releaseSecrets = activeSecrets.add(secrets);
      const connector = registry.get(category);
      const ctx: CallContext = {
        taskCategory: category,
        secrets,
        configs: Object.freeze({ ...(connection?.configs ?? {}) }),
        signal: callSignal.signal,
        deadline: callSignal.deadline,
        get logger() {
          return logger;
        },
      };
      const bind = (fields: Record<string, unknown>) => {
        const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
        if (Object.keys(defined).length) logger = logger.child(defined);
      };
      const result = await body({ connector, ctx, bind });
      metrics.success(label, operation, seconds());
      return result;
    } catch (thrown) {
      const error = ConnectorError.from(thrown);
      // When the call was cancelled or timed out, whatever the connector threw is reported as the abort.
      const final =
        callSignal.signal.aborted && error.code !== "aborted"
          ? ConnectorError.aborted(callSignal.deadlineExceeded ? "the call's deadline passed" : "the client cancelled the call", {
              cause: thrown,
            })
          : error;
      metrics.failure(label, operation, final.code, seconds());
      logCallError(logger, final, Math.round(seconds() * 1000));
      throw toGrpcError(final, secrets.values(), callSignal.deadlineExceeded);
    } finally {
      callSignal.dispose();
      releaseSecrets();
      leave();
    }
  }
}

interface Target {
  category: TaskCategory;
  connection?: { secrets: Record<string, string>; configs: Record<string, string> };
}

/** The task type and connection of a request that names its task category. */
function targetOf(request: { taskCategory?: TaskCategory } | unknown, connection: Target["connection"]): Target {
  rejectMalformed(request);
  const category = (request as { taskCategory?: TaskCategory }).taskCategory;
  if (!category || !category.name) throw ConnectorError.badRequest("the request has no task_category");
  return { category: { name: category.name, version: category.version }, connection };
}

function decodeMeta(connector: AnyConnector, bytes: Uint8Array): unknown {
  if (!bytes || bytes.length === 0) throw ConnectorError.badRequest("resource_meta is empty");
  try {
    return connector.metadata.decode(bytes);
  } catch (error) {
    if (error instanceof ConnectorError) throw error;
    throw ConnectorError.badRequest(`resource_meta does not decode for "${connector.name}"`, { cause: error });
  }
}

/** A connector's Resource as the wire wants it; UNDEFINED or unknown phases are our bug, never sent. */
export function resourceToProto(resource: Resource): ResourceProto {
  if (!resource || typeof resource !== "object") {
    throw ConnectorError.internal("get() returned no resource");
  }
  if (!isValidPhase(resource.phase)) {
    throw ConnectorError.internal(`get() returned an invalid phase (${String(resource.phase)}); UNDEFINED is never sent`);
  }
  return {
    phase: resource.phase,
    message: resource.message ?? "",
    logLinks: (resource.logLinks ?? []).map(logLinkToProto),
    outputs: resource.outputs ? nativeToOutputs(resource.outputs) : undefined,
    customInfo: resource.customInfo ? (jsonSafe(resource.customInfo) as Record<string, unknown>) : undefined,
  };
}

const LINK_KINDS: Record<NonNullable<LogLink["kind"]>, TaskLog_LinkType> = {
  external: TaskLog_LinkType.EXTERNAL,
  dashboard: TaskLog_LinkType.DASHBOARD,
  ide: TaskLog_LinkType.IDE,
};

function logLinkToProto(link: LogLink): TaskLog {
  return {
    name: link.name,
    uri: link.uri,
    messageFormat: 0,
    ttl: undefined,
    ShowWhilePending: false,
    HideOnceFinished: false,
    linkType: LINK_KINDS[link.kind ?? "external"],
    ready: link.ready ?? true,
    iconUri: link.iconUri ?? "",
  };
}

/** JSON-representable copy (bigints as strings, Dates as ISO, undefined dropped) for Struct fields. */
function jsonSafe(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) ?? "null");
}

function timestampToDate(ts: Timestamp | undefined): Date | undefined {
  return ts ? new Date(Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6)) : undefined;
}

function dateToTimestamp(date: Date | undefined): Timestamp | undefined {
  if (!date) return undefined;
  const ms = date.getTime();
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos: (((ms % 1000) + 1000) % 1000) * 1e6 };
}

/** Writes one message, waiting for the stream to drain when its buffer is full. */
function write(call: ServerWritableStream<GetTaskLogsRequest, GetTaskLogsResponse>, message: GetTaskLogsResponse): Promise<void> {
  return new Promise((resolve) => {
    if (call.write(message)) resolve();
    else call.once("drain", resolve);
  });
}
