import type { Logger } from "pino";
import type { LogChunk, TaskCategory } from "../connector";
import { ConnectorError, ErrorCode } from "../errors";
import { clip } from "../answers";
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
  ListConnectorsResponse,
} from "../gen/flyteidl2/connector/connector";
import type { Connection } from "../gen/flyteidl2/core/security";
import { Inputs } from "../gen/flyteidl2/task/common";
import { idempotencyKeyFor } from "../idempotency";
import { inputsToNative } from "../literals";
import { fromMillis, toMillis } from "../literals/timestamp";
import type { CallMetrics, CallRecorder, Operation } from "../metrics";
import { phaseName } from "../phase";
import type { AnyConnector, ConnectorRegistry } from "../registry";
import { scrubSecrets, type ActiveSecrets, type SecretSourceOptions } from "../secrets";
import type { CallScope } from "./call-scope";
import { Context, CreateCallContext, type SecretSetup } from "./call-context";
import { jsonSafe, resourceToProto } from "./resource";
import { MalformedRequest } from "./malformed-request";

/** Longest error message a client gets, in characters; the log line keeps the error whole. */
export const MAX_STATUS_MESSAGE_LENGTH = 1000;
/** Longest task type name written into log fields and messages. */
const MAX_NAME_IN_LOGS = 200;

export interface CallPipelineOptions {
  /** The connectors to call. */
  registry: ConnectorRegistry;
  /** The logger every call's logger derives from. */
  logger: Logger;
  /** Where call counts and latencies go. Default: nowhere. */
  metrics?: CallMetrics;
  /** Where `SecretStore`s look past the task's connection. Default: `FLYTE_SECRET_*`, then `/etc/secrets`. */
  secretSources?: SecretSourceOptions;
  /** Registers each call's secrets while it runs, so the log destination can scrub them. Default none. */
  activeSecrets?: ActiveSecrets;
  /**
   * Log each call's outcome ("created", "deleted", "polled" at debug, "call failed"). Default true. The
   * local executor turns it off: it reports every outcome as an event of its own. Connectors' own log
   * lines are not affected.
   */
  callLogs?: boolean;
}

/** What a call is for: the connector's task type and the task's connection. */
interface Target {
  category: TaskCategory;
  connection: Connection | undefined;
}

const EMPTY_RESPONSE: DeleteTaskResponse = Object.freeze({}) as DeleteTaskResponse;

/**
 * The one call pipeline, transport-agnostic: given a decoded request and the call's `CallScope`, it finds
 * the connector, builds the call context (secrets, configs, logger, signal, deadline), converts literals,
 * derives the idempotency key, decodes and encodes the resource meta, calls the connector, and turns
 * whatever happens into a wire response or a `ConnectorError` whose message is fit for the client (secret
 * values removed, bounded). It logs each failure once and records metrics once per call.
 *
 * The gRPC service is a thin adapter over it, and so is the in-process executor backend: a task run
 * locally goes through exactly what the server runs.
 *
 * @example
 * ```ts
 * const pipeline = new CallPipeline({ registry, logger });
 * const scope = new CallScope({ deadline: Date.now() + 10_000, enforceDeadline: true });
 * const { resource } = await pipeline.getTask(request, scope); // rejects with a ConnectorError
 * ```
 */
export class CallPipeline {
  readonly registry: ConnectorRegistry;
  readonly #logger: Logger;
  readonly #metrics: CallMetrics | undefined;
  readonly #secretSetup: SecretSetup;
  readonly #callLogs: boolean;
  // Per registered connector and operation, made on its first call: its logger and metrics recorder.
  readonly #perConnector = new WeakMap<AnyConnector, Partial<Record<Operation, CallTools>>>();
  #listing: { revision: number; response: ListConnectorsResponse } | undefined;

  constructor(options: CallPipelineOptions) {
    this.registry = options.registry;
    this.#logger = options.logger;
    this.#metrics = options.metrics;
    this.#secretSetup = { sources: options.secretSources ?? {}, active: options.activeSecrets };
    this.#callLogs = options.callLogs ?? true;
  }

  // --- ConnectorMetadataService --------------------------------------------------------------------

  /**
   * Every connector and the task types it serves. The backend asks every 10 s from every replica: the
   * answer is built once per registry change, and not logged or counted.
   */
  listConnectors(): ListConnectorsResponse {
    const revision = this.registry.revision;
    if (this.#listing?.revision !== revision) {
      const connectors = this.registry
        .info()
        .map((c) => ({ name: c.name, supportedTaskCategories: c.taskCategories }));
      this.#listing = { revision, response: { connectors } };
    }
    return this.#listing.response;
  }

  /** One connector by name; not-found otherwise. */
  getConnector(request: GetConnectorRequest | MalformedRequest): GetConnectorResponse {
    rejectMalformed(request);
    const name = request.name;
    const found = this.listConnectors().connectors.find((c) => c.name === name);
    if (!found) {
      throw ConnectorError.notFound(
        `no connector named ${JSON.stringify(clip(String(name ?? ""), MAX_NAME_IN_LOGS))}`,
      );
    }
    return { connector: found };
  }

  // --- AsyncConnectorService -----------------------------------------------------------------------

  createTask(request: CreateTaskRequest | MalformedRequest, scope: CallScope): Promise<CreateTaskResponse> {
    return this.#run("create", scope, request, createTarget, this.#openCreate, this.#create);
  }

  getTask(request: GetTaskRequest | MalformedRequest, scope: CallScope): Promise<GetTaskResponse> {
    return this.#run("get", scope, request, jobTarget, this.#openPlain, this.#get);
  }

  deleteTask(request: DeleteTaskRequest | MalformedRequest, scope: CallScope): Promise<DeleteTaskResponse> {
    return this.#run("delete", scope, request, jobTarget, this.#openPlain, this.#delete);
  }

  getTaskMetrics(
    request: GetTaskMetricsRequest | MalformedRequest,
    scope: CallScope,
  ): Promise<GetTaskMetricsResponse> {
    return this.#run("get_metrics", scope, request, jobTarget, this.#openPlain, this.#getMetrics);
  }

  /**
   * Streams a job's logs through `send`, which resolves once the transport can take more. A call the
   * client cancels stops at once, also while `send` waits, and counts as failed, not answered.
   */
  getTaskLogs(
    request: GetTaskLogsRequest | MalformedRequest,
    scope: CallScope,
    send: (response: GetTaskLogsResponse) => Promise<void>,
  ): Promise<void> {
    return this.#run(
      "get_logs",
      scope,
      request,
      jobTarget,
      this.#openPlain,
      async (req: GetTaskLogsRequest, ctx, connector) => {
        if (!connector.getLogs)
          throw ConnectorError.unimplemented(`"${connector.name}" does not stream logs`);
        const meta = decodeMeta(connector, req.resourceMeta);
        ctx.jobId = jobIdOf(meta);
        const chunks: AsyncIterable<LogChunk> = connector.getLogs(
          meta,
          { token: req.token, lines: Number(req.lines) },
          ctx,
        );
        // Leaving the loop by a throw closes the connector's iterator (its `finally` runs).
        for await (const chunk of chunks) {
          if (scope.abortCause) throw scope.abortError();
          if (chunk.token !== undefined)
            await scope.race(send({ part: { $case: "header", value: { token: chunk.token } } }));
          if (chunk.lines && chunk.lines.length > 0) await scope.race(send(logsBody(chunk.lines)));
        }
        if (scope.abortCause) throw scope.abortError();
      },
    );
  }

  // The operations' bodies, made once (not per call): each gets the decoded request and the call's context.

  /** The context of get, delete, metrics and logs calls. */
  readonly #openPlain: OpenContext<unknown> = (_request, target, scope, logger) =>
    new Context(target.category, target.connection, this.#secretSetup, scope, logger);

  readonly #openCreate: OpenContext<CreateTaskRequest> = (req, target, scope, logger) => {
    const template = req.template!;
    const inputs = inputsToNative(req.inputs, template.interface);
    if (this.#metrics && req.inputs) {
      this.#metrics.inputBytes(target.category.name, Inputs.encode(req.inputs).finish().length);
    }
    return new CreateCallContext(
      target.category,
      target.connection,
      this.#secretSetup,
      scope,
      logger,
      template,
      inputs,
      req.outputPrefix,
      req.taskExecutionMetadata,
      idempotencyKeyFor(req.taskExecutionMetadata),
    );
  };

  readonly #create = async (
    _req: CreateTaskRequest,
    ctx: Context,
    connector: AnyConnector,
  ): Promise<CreateTaskResponse> => {
    const meta = await connector.create(ctx as CreateCallContext);
    const resourceMeta = encodeMeta(connector, meta);
    if (this.#callLogs && ctx.logs("info")) {
      const jobId = jobIdOf(meta);
      ctx.logger.info(jobId === undefined ? {} : { jobId }, "created");
    }
    return { resourceMeta };
  };

  // A `then`, not an async function, like `#run`: GetTask is the call the backend repeats for every
  // running task. What it throws before the connector answers, `#run` catches.
  readonly #get = (req: GetTaskRequest, ctx: Context, connector: AnyConnector): Promise<GetTaskResponse> => {
    const meta = decodeMeta(connector, req.resourceMeta);
    ctx.jobId = jobIdOf(meta);
    // `Promise.resolve`: a connector written in plain JavaScript may answer without a promise.
    return Promise.resolve(connector.get(meta, ctx)).then((resource) => {
      const secrets = ctx.secretValues();
      const proto = resourceToProto(resource, secrets && ((text) => scrubSecrets(text, secrets)));
      if (this.#callLogs && ctx.logs("debug")) ctx.logger.debug({ phase: phaseName(proto.phase) }, "polled");
      return { resource: proto };
    });
  };

  readonly #delete = async (
    req: DeleteTaskRequest,
    ctx: Context,
    connector: AnyConnector,
  ): Promise<DeleteTaskResponse> => {
    const meta = decodeMeta(connector, req.resourceMeta);
    ctx.jobId = jobIdOf(meta);
    await connector.delete(meta, ctx);
    if (this.#callLogs && ctx.logs("info")) ctx.logger.info("deleted");
    return EMPTY_RESPONSE;
  };

  readonly #getMetrics = async (
    req: GetTaskMetricsRequest,
    ctx: Context,
    connector: AnyConnector,
  ): Promise<GetTaskMetricsResponse> => {
    if (!connector.getMetrics)
      throw ConnectorError.unimplemented(`"${connector.name}" does not report metrics`);
    const meta = decodeMeta(connector, req.resourceMeta);
    ctx.jobId = jobIdOf(meta);
    const results = await connector.getMetrics(
      meta,
      {
        queries: req.queries,
        startTime: req.startTime && new Date(toMillis(req.startTime)),
        endTime: req.endTime && new Date(toMillis(req.endTime)),
        stepMs: req.step ? toMillis(req.step) : undefined,
      },
      ctx,
    );
    return {
      results: results.map((r) => ({ metric: r.metric, data: jsonSafe(r.data) as Record<string, unknown> })),
    };
  };

  // --- the shared path ------------------------------------------------------------------------------

  /**
   * Runs one call: resolve its target, find the connector, open its context, run `body` raced against
   * the scope (a connector that ignores its signal cannot hold the call past a cancel or the deadline),
   * then count it — or turn what it threw into the client's error. Either way the scope and the context
   * end before the answer settles.
   *
   * Not an async function: one `then` on the raced work allocates less than an async function's frame
   * and its await; with `#get` below, a GetTask allocates ~570 bytes less (docs/performance.md).
   */
  #run<R extends object, T>(
    operation: Operation,
    scope: CallScope,
    request: R | MalformedRequest,
    resolve: (request: R) => Target,
    open: OpenContext<R>,
    body: (request: R, ctx: Context, connector: AnyConnector) => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    let target: Target | undefined;
    let ctx: Context | undefined;
    let work: Promise<T>;
    let recorder: CallRecorder | undefined;
    try {
      if (scope.abortCause) throw scope.abortError();
      rejectMalformed(request);
      target = resolve(request);
      const connector = this.registry.get(target.category);
      const tools = this.#tools(connector, operation);
      recorder = tools.recorder;
      ctx = open(request, target, scope, tools.logger);
      work = scope.race(body(request, ctx, connector));
    } catch (thrown) {
      return Promise.reject(this.#failAndEnd(thrown, operation, scope, target, ctx, started));
    }
    const opened = ctx;
    return work.then(
      (result) => {
        try {
          recorder?.ok((performance.now() - started) / 1000);
        } catch (thrown) {
          throw this.#failAndEnd(thrown, operation, scope, target, opened, started);
        }
        scope.end();
        opened.end();
        return result;
      },
      (thrown: unknown) => {
        throw this.#failAndEnd(thrown, operation, scope, target, opened, started);
      },
    );
  }

  /**
   * The client-facing error for whatever a call threw, logged once and counted once; then the call's
   * scope and context end (after: the message is scrubbed of the context's secrets).
   */
  #failAndEnd(
    thrown: unknown,
    operation: Operation,
    scope: CallScope,
    target: Target | undefined,
    ctx: Context | undefined,
    started: number,
  ): ConnectorError {
    try {
      const seconds = (performance.now() - started) / 1000;
      // When the call was cancelled or timed out, whatever the connector threw is reported as the abort.
      const error = scope.abortCause ? scope.abortError(thrown) : ConnectorError.from(thrown);
      const unexpected = error.code === ErrorCode.Internal && !(thrown instanceof ConnectorError);
      // An unexpected error's first line helps whoever reads the status; the rest (a stack, a dump) stays in the log.
      let message = unexpected ? `internal error: ${error.message.split("\n", 1)[0]}` : error.message;
      const secrets = ctx?.secretValues();
      if (secrets) message = scrubSecrets(message, secrets);
      const client = new ConnectorError(error.code, clip(message, MAX_STATUS_MESSAGE_LENGTH), {
        cause: error.cause ?? thrown,
        retryable: error.retryable,
        details: error.details,
      });
      // Metric labels stay bounded: a task type nobody registered is counted as "unknown".
      const connector = target && this.registry.find(target.category);
      const tools = connector ? this.#tools(connector, operation) : undefined;
      (tools ? tools.recorder : this.#metrics?.recorder("unknown", operation))?.failed(seconds, client.code);
      if (!this.#callLogs) return client;
      const logger = ctx?.logger ?? tools?.logger ?? this.#childLogger(target?.category, operation);
      const fields = {
        code: client.code,
        retryable: client.retryable,
        durationMs: Math.round(seconds * 1000),
        err: error.cause ?? error,
        ...error.details,
      };
      if (client.code === ErrorCode.Internal) logger.error(fields, `call failed: ${client.message}`);
      else logger.warn(fields, `call failed: ${client.message}`);
      return client;
    } finally {
      scope.end();
      ctx?.end();
    }
  }

  /** A registered connector's logger and recorder for an operation, made on its first call. */
  #tools(connector: AnyConnector, operation: Operation): CallTools {
    let byOperation = this.#perConnector.get(connector);
    if (!byOperation) this.#perConnector.set(connector, (byOperation = {}));
    let tools = byOperation[operation];
    if (!tools) {
      const category = connector.taskCategory;
      tools = {
        logger: this.#childLogger(category, operation),
        recorder: this.#metrics?.recorder(category.name, operation),
      };
      byOperation[operation] = tools;
    }
    return tools;
  }

  /** A logger bound to a task type (bounded: a name from a request can be any size) and an operation. */
  #childLogger(category: TaskCategory | undefined, operation: Operation): Logger {
    if (!category) return this.#logger.child({ operation });
    return this.#logger.child({
      taskType: clip(category.name, MAX_NAME_IN_LOGS),
      taskTypeVersion: category.version,
      operation,
    });
  }
}

/** What a registered connector's calls of one operation share. */
interface CallTools {
  logger: Logger;
  recorder: CallRecorder | undefined;
}

/** Makes a call's context once its connector is found. */
type OpenContext<R> = (request: R, target: Target, scope: CallScope, logger: Logger) => Context;

function logsBody(lines: NonNullable<LogChunk["lines"]>): GetTaskLogsResponse {
  const parsed = lines.map((line) => (typeof line === "string" ? { message: line } : line));
  return {
    part: {
      $case: "body",
      value: {
        results: parsed.map((l) => l.message),
        lines: parsed.map((l) => ({
          message: l.message,
          timestamp: l.timestamp ? fromMillis(l.timestamp.getTime()) : undefined,
          originator: 0,
        })),
      },
    },
  };
}

function rejectMalformed<T>(request: T | MalformedRequest): asserts request is T {
  if (request instanceof MalformedRequest)
    throw ConnectorError.badRequest(`malformed request: ${request.reason}`);
}

function createTarget(request: CreateTaskRequest): Target {
  if (!request.template) throw ConnectorError.badRequest("CreateTask needs a template");
  if (!request.template.type) throw ConnectorError.badRequest("the template has no task type");
  return {
    category: { name: request.template.type, version: request.template.taskTypeVersion },
    connection: request.connection,
  };
}

/** The task type and connection of a request naming its task category (metrics and logs carry no connection). */
function jobTarget(request: { taskCategory?: TaskCategory; connection?: Connection }): Target {
  const category = request.taskCategory;
  if (!category || !category.name) throw ConnectorError.badRequest("the request has no task_category");
  return { category, connection: request.connection };
}

function decodeMeta(connector: AnyConnector, bytes: Uint8Array): unknown {
  if (!bytes || bytes.length === 0) throw ConnectorError.badRequest("resource_meta is empty");
  try {
    return connector.metadata.decode(bytes);
  } catch (error) {
    if (error instanceof ConnectorError) throw error;
    throw ConnectorError.badRequest(`resource_meta does not decode for "${connector.name}"`, {
      cause: error,
    });
  }
}

function encodeMeta(connector: AnyConnector, meta: unknown): Buffer {
  let bytes: Uint8Array;
  try {
    bytes = connector.metadata.encode(meta);
  } catch (error) {
    throw ConnectorError.internal(`"${connector.name}" could not encode its resource meta`, { cause: error });
  }
  if (!(bytes instanceof Uint8Array))
    throw ConnectorError.internal(
      `"${connector.name}" encoded its resource meta as something other than bytes`,
    );
  // A view, not a copy: the bytes are the connector's fresh output.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A job id from a decoded meta, for log lines, when the meta has an obvious one. */
function jobIdOf(meta: unknown): string | undefined {
  if (!meta || typeof meta !== "object") return undefined;
  const m = meta as Record<string, unknown>;
  const id = m.job_id ?? m.jobId ?? m.id;
  return typeof id === "string"
    ? clip(id, MAX_NAME_IN_LOGS)
    : typeof id === "number"
      ? String(id)
      : undefined;
}
