import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { status as GrpcStatus, type ChannelOptions, type ServiceError } from "@grpc/grpc-js";
import type { ConnectorRegistry } from "@flyte-connectors/runtime";
import { idempotencyKeyFor } from "@flyte-connectors/runtime/pipeline";
import type { TaskExecutionMetadata as WireTaskExecutionMetadata } from "@flyte-connectors/runtime/wire";
import { realClock, type Clock } from "./clock";
import { LogCapture } from "./log-capture";
import { startTestServer, type AnyConnector, type TestServer, type TestServerOptions } from "./test-server";
import {
  InputsSchema,
  OutputsSchema,
  TaskExecution_Phase as Phase,
  type ListConnectorsResponse,
  type UpstreamOutputs,
  type UpstreamResource,
} from "./upstream";
import { BACKEND_CHANNEL_OPTIONS, UpstreamClient, type Init } from "./upstream-client";
import { inputsInit, nativeOutputs, resolveTemplate, type TemplateInput } from "./wire-bridge";

/** The backend's calls, named as its `timeouts` config names them. */
export type BackendOperation = "ListConnectors" | "CreateTask" | "GetTask" | "DeleteTask";

export interface FlyteBackendSimulatorOptions {
  /**
   * The connectors to serve in a real `ConnectorServer` on 127.0.0.1, a free port: a connector, a list, or
   * a registry. Give this or `endpoint`.
   */
  connectors?: AnyConnector | readonly AnyConnector[] | ConnectorRegistry;
  /** `host:port` of a running connector server to dial instead. */
  endpoint?: string;
  /** Options of the server started for `connectors` (log level, secret sources, metrics). */
  server?: TestServerOptions;
  /**
   * Drives every wait (the resync interval, the delete retry interval, garbage collection) and the
   * report's `startedAt` / `endedAt`. Default: real time. Tests pass a `VirtualClock`. Call deadlines are
   * gRPC deadlines and always run on real time.
   */
  clock?: Clock;
  /** GetTask resync interval, ms: the backend's `webApi.caching.resyncInterval`. Default 30 000. */
  resyncIntervalMs?: number;
  /** Per-operation call deadlines, ms: the backend's `timeouts`. Default `defaultTimeoutMs` each. */
  timeouts?: Partial<Record<BackendOperation, number>>;
  /** Deadline of an operation without its own, ms: the backend's `defaultTimeout`. Default 10 000. */
  defaultTimeoutMs?: number;
  /**
   * Failed GetTask calls tolerated per attempt: the backend's `webApi.caching.maxSystemFailures`. Default 5.
   * As the backend, failures are never reset by a later success, and the attempt fails as a system
   * failure at the first resync where the count is above this number (so with 5, the 6th failure ends it).
   */
  maxSystemFailures?: number;
  /**
   * After the task ends, delete its job once more, as the backend's garbage collection does (possibly
   * hours later). `{ afterMs }` waits that long first (by the clock). Default true (after 0 ms).
   */
  garbageCollect?: boolean | { afterMs: number };
  /** A failed DeleteTask is retried after this long, ms. Default 10 000, as the backend. */
  deleteRetryIntervalMs?: number;
  /** DeleteTask calls per delete before giving up (the backend never gives up). Default 5. */
  maxDeleteAttempts?: number;
  /** Extra grpc-js channel options, over `BACKEND_CHANNEL_OPTIONS` (keepalive 30 s / 10 s, round robin). */
  channelOptions?: ChannelOptions;
}

/** The task the simulator runs. */
export interface SimulatedTask {
  /** A runtime `TaskTemplate` (your task class) or an upstream (protobuf-es) `TaskTemplate` init. */
  template: TemplateInput;
  /** Native input values, converted to literals by the runtime using the template's interface. Default none. */
  inputs?: Record<string, unknown>;
  /** Upstream `Inputs` to send as they are, instead of `inputs`. */
  inputLiterals?: Init<typeof InputsSchema>;
  /** Sent as `connection.secrets` on every call, as the backend does. Default none. */
  secrets?: Record<string, string>;
  /** Sent as `connection.configs`. Default none. */
  configs?: Record<string, string>;
  /** Default `s3://flyte-simulator/<run>/<node>`. */
  outputPrefix?: string;
  /** Parts of the task execution id. Default project `flytesnacks`, domain `development`, a random run name, node `n0`. */
  execution?: { org?: string; project?: string; domain?: string; name?: string; nodeId?: string };
  /** Attempts after the first on RETRYABLE_FAILED or a failed create. Default: the template's `metadata.retries.retries`, else 0. */
  retries?: number;
}

export interface RunOptions {
  /** Aborts the task as the backend does: DeleteTask for the job, then the run ends ABORTED. */
  signal?: AbortSignal;
  /** Called after each call, in order. */
  onCall?: (call: CallRecord) => void;
}

/** One call the simulator made. */
export interface CallRecord {
  method: BackendOperation;
  /** The retry attempt it belongs to (0 first); undefined for ListConnectors. */
  attempt: number | undefined;
  /** Why a DeleteTask was sent. */
  purpose?: "retry" | "abort" | "garbage-collection";
  /** By the simulator's clock, ms since the run started. */
  startedAt: number;
  endedAt: number;
  /** Real time the call took, ms. */
  durationMs: number;
  /** The call's deadline, ms. */
  deadlineMs: number;
  /** gRPC status code; 0 (OK) when it succeeded. */
  code: number;
  /** `OK`, `UNAVAILABLE`, ... */
  codeName: string;
  /** GetTask: the phase answered. */
  phase?: Phase;
  phaseName?: string;
  /** The status details of a failed call, or the resource's message. */
  message?: string;
}

/** A phase change, in order. */
export interface PhaseRecord {
  attempt: number;
  phase: Phase;
  phaseName: string;
  message: string;
  /** By the clock, ms since the run started. */
  at: number;
}

/** How one attempt ended. */
export type AttemptEnd =
  "SUCCEEDED" | "FAILED" | "ABORTED" | "RETRYABLE_FAILED" | "CREATE_FAILED" | "SYSTEM_FAILURE" | "CANCELLED";

export interface AttemptRecord {
  attempt: number;
  /** The key the runtime derives from this attempt's task execution id. */
  idempotencyKey: string;
  /** What CreateTask answered, when it succeeded. */
  resourceMeta?: Uint8Array;
  failedPolls: number;
  end: AttemptEnd;
}

/**
 * How the task ended: SUCCEEDED; FAILED (FAILED or ABORTED from the connector, RETRYABLE_FAILED or a
 * failed create with no retries left); SYSTEM_FAILURE (too many failed GetTask calls, or UNDEFINED);
 * ABORTED (the run's signal).
 */
export type Outcome = "SUCCEEDED" | "FAILED" | "SYSTEM_FAILURE" | "ABORTED";

export interface SimulationReport {
  outcome: Outcome;
  /** What the backend would show: the connector's message, the create error, ... */
  reason: string;
  taskType: { name: string; version: number };
  attempts: AttemptRecord[];
  /** Every call, in order. */
  calls: CallRecord[];
  /** Every phase change of every attempt, in order. */
  phases: PhaseRecord[];
  /** The last resource GetTask answered. */
  resource?: UpstreamResource;
  /** SUCCEEDED: the outputs as native values, converted by the runtime using the interface. */
  outputs?: Record<string, unknown>;
  /** SUCCEEDED: the output literals as sent. */
  outputLiterals?: UpstreamOutputs;
  /** SUCCEEDED with outputs that do not convert (missing, wrong type): why. */
  outputsError?: string;
  /** Whether every delete the run made (retry, abort, garbage collection) eventually succeeded. */
  deletesSucceeded: boolean;
  timings: {
    /** By the clock. */
    startedAt: number;
    endedAt: number;
    elapsedMs: number;
    /** Real time the run took. */
    realMs: number;
  };
}

/** The run could not start: discovery failed or does not list the task type. */
export class SimulationError extends Error {
  override name = "SimulationError";
}

const NON_TERMINAL = new Set([Phase.QUEUED, Phase.WAITING_FOR_RESOURCES, Phase.INITIALIZING, Phase.RUNNING]);
const CODE_NAMES = Object.fromEntries(
  Object.entries(GrpcStatus)
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => [v as number, k]),
) as Record<number, string>;

/**
 * Drives a connector exactly as the Flyte 2 backend does, over real gRPC, with every request encoded by
 * the upstream @flyteorg/flyteidl2 encoder: ListConnectors discovery (the task type must be listed); one
 * CreateTask per attempt under the backend's deadline; GetTask right after create and then every resync
 * interval, failed calls counted and the attempt failed past `maxSystemFailures`; RETRYABLE_FAILED →
 * DeleteTask, then a new attempt with the next retry attempt number (a new idempotency key), up to the
 * template's retries; DeleteTask on abort; a later DeleteTask after the end, as garbage collection does;
 * keepalive pings every 30 s while a call is active.
 *
 * @example
 * ```ts
 * const simulator = await FlyteBackendSimulator.start({ connectors: [new MyConnector()], clock: new VirtualClock() });
 * const report = await simulator.run({ template: new MyTask(), inputs: { n: 3 }, secrets: { api_key: "k" } });
 * expect(report.outcome).toBe("SUCCEEDED");
 * expect(report.outputs).toEqual({ doubled: 6 });
 * await simulator.close();
 * ```
 */
export class FlyteBackendSimulator {
  /** `host:port` the simulator calls. */
  readonly endpoint: string;
  /** The upstream-encoding client it calls with. */
  readonly client: UpstreamClient;
  /** The server it started, when it was given connectors. */
  readonly testServer: TestServer | undefined;
  readonly #clock: Clock;
  readonly #resyncMs: number;
  readonly #timeouts: Record<BackendOperation, number>;
  readonly #maxSystemFailures: number;
  readonly #gcAfterMs: number | undefined;
  readonly #deleteRetryMs: number;
  readonly #maxDeleteAttempts: number;

  private constructor(
    endpoint: string,
    testServer: TestServer | undefined,
    options: FlyteBackendSimulatorOptions,
  ) {
    this.endpoint = endpoint;
    this.testServer = testServer;
    this.client = new UpstreamClient(endpoint, { ...BACKEND_CHANNEL_OPTIONS, ...options.channelOptions });
    this.#clock = options.clock ?? realClock;
    this.#resyncMs = nonNegative(options.resyncIntervalMs, 30_000, "resyncIntervalMs");
    const fallback = positive(options.defaultTimeoutMs, 10_000, "defaultTimeoutMs");
    const timeouts = options.timeouts ?? {};
    this.#timeouts = {
      ListConnectors: positive(timeouts.ListConnectors, fallback, "timeouts.ListConnectors"),
      CreateTask: positive(timeouts.CreateTask, fallback, "timeouts.CreateTask"),
      GetTask: positive(timeouts.GetTask, fallback, "timeouts.GetTask"),
      DeleteTask: positive(timeouts.DeleteTask, fallback, "timeouts.DeleteTask"),
    };
    this.#maxSystemFailures = nonNegative(options.maxSystemFailures, 5, "maxSystemFailures");
    const gc = options.garbageCollect ?? true;
    this.#gcAfterMs =
      gc === false ? undefined : gc === true ? 0 : nonNegative(gc.afterMs, 0, "garbageCollect.afterMs");
    this.#deleteRetryMs = nonNegative(options.deleteRetryIntervalMs, 10_000, "deleteRetryIntervalMs");
    this.#maxDeleteAttempts = positive(options.maxDeleteAttempts, 5, "maxDeleteAttempts");
  }

  /** Starts a server for `connectors` (or dials `endpoint`) and returns a simulator for it. */
  static async start(options: FlyteBackendSimulatorOptions): Promise<FlyteBackendSimulator> {
    if ((options.connectors === undefined) === (options.endpoint === undefined)) {
      throw new TypeError("FlyteBackendSimulator.start needs exactly one of `connectors` and `endpoint`");
    }
    if (options.endpoint !== undefined)
      return new FlyteBackendSimulator(options.endpoint, undefined, options);
    const server = await startTestServer(options.connectors!, options.server);
    return new FlyteBackendSimulator(server.address, server, options);
  }

  /** The started server's log lines; empty when dialing an endpoint. */
  get logs(): LogCapture {
    return this.testServer?.logs ?? new LogCapture();
  }

  /** ListConnectors, as the backend asks at start-up and every 10 s. */
  async discover(): Promise<ListConnectorsResponse> {
    return this.client.listConnectors({ deadlineMs: this.#timeouts.ListConnectors });
  }

  /** Runs one task to its end and reports every call. Rejects only when the run cannot start (`SimulationError`). */
  async run(task: SimulatedTask, options: RunOptions = {}): Promise<SimulationReport> {
    return new Run(this, task, options).go();
  }

  async close(): Promise<void> {
    this.client.close();
    await this.testServer?.close();
  }

  /** @internal */
  get settings() {
    return {
      clock: this.#clock,
      resyncMs: this.#resyncMs,
      timeouts: this.#timeouts,
      maxSystemFailures: this.#maxSystemFailures,
      gcAfterMs: this.#gcAfterMs,
      deleteRetryMs: this.#deleteRetryMs,
      maxDeleteAttempts: this.#maxDeleteAttempts,
    };
  }
}

/** One `run()`: its state and the report it fills in. */
class Run {
  readonly #sim: FlyteBackendSimulator;
  readonly #task: SimulatedTask;
  readonly #options: RunOptions;
  readonly #s: FlyteBackendSimulator["settings"];
  readonly #started: number;
  readonly #realStarted = performance.now();
  readonly #calls: CallRecord[] = [];
  readonly #phases: PhaseRecord[] = [];
  readonly #attempts: AttemptRecord[] = [];
  #deletesOk = true;

  constructor(sim: FlyteBackendSimulator, task: SimulatedTask, options: RunOptions) {
    this.#sim = sim;
    this.#task = task;
    this.#options = options;
    this.#s = sim.settings;
    this.#started = this.#s.clock.now();
  }

  get #aborted(): boolean {
    return this.#options.signal?.aborted === true;
  }

  async go(): Promise<SimulationReport> {
    const { init: template, iface } = resolveTemplate(this.#task.template);
    const category = { name: template.type ?? "", version: template.taskTypeVersion ?? 0 };
    await this.#discover(category);

    const inputs =
      this.#task.inputLiterals ?? (this.#task.inputs ? inputsInit(this.#task.inputs, iface) : undefined);
    const execution = {
      org: "",
      project: "flytesnacks",
      domain: "development",
      name: `sim${randomUUID().replace(/-/g, "").slice(0, 16)}`,
      nodeId: "n0",
      ...this.#task.execution,
    };
    const outputPrefix =
      this.#task.outputPrefix ?? `s3://flyte-simulator/${execution.name}/${execution.nodeId}`;
    const connection = { secrets: this.#task.secrets ?? {}, configs: this.#task.configs ?? {} };
    const retries = this.#task.retries ?? template.metadata?.retries?.retries ?? 0;

    let outcome: Outcome = "FAILED";
    let reason = "";
    let resource: UpstreamResource | undefined;
    let lastMeta: Uint8Array | undefined;
    let abortedByUs = false;

    for (let attempt = 0; attempt <= retries; attempt++) {
      const metadata = executionMetadataFor(execution, attempt, template.id?.name ?? "");
      const record: AttemptRecord = {
        attempt,
        idempotencyKey: idempotencyKeyFor(metadata as unknown as WireTaskExecutionMetadata),
        failedPolls: 0,
        end: "CANCELLED",
      };
      this.#attempts.push(record);
      if (this.#aborted) {
        [outcome, reason, abortedByUs] = ["ABORTED", "aborted before the attempt was created", true];
        break;
      }
      const created = await this.#call("CreateTask", attempt, undefined, () =>
        this.#sim.client.createTask(
          { template, inputs, outputPrefix, taskExecutionMetadata: metadata, connection },
          { deadlineMs: this.#s.timeouts.CreateTask },
        ),
      );
      if (!created.ok) {
        // The backend turns a failed create into a retryable failure of the attempt: it uses up a retry.
        record.end = "CREATE_FAILED";
        [outcome, reason] = ["FAILED", `failed to create task from connector with ${created.error.details}`];
        if (this.#aborted) {
          [outcome, reason, abortedByUs] = ["ABORTED", "aborted", true];
          break;
        }
        continue;
      }
      const meta = created.value.resourceMeta;
      record.resourceMeta = meta;
      lastMeta = meta;

      const polled = await this.#poll(category, meta, outputPrefix, connection, record);
      resource = polled.resource ?? resource;
      if (polled.end === "CANCELLED") {
        await this.#delete(category, meta, connection, attempt, "abort");
        [outcome, reason, abortedByUs] = ["ABORTED", "aborted", true];
        break;
      }
      record.end = polled.end;
      if (polled.end === "RETRYABLE_FAILED" && attempt < retries) {
        // As the backend: the job is deleted before the next attempt starts.
        await this.#delete(category, meta, connection, attempt, "retry");
        [outcome, reason] = ["FAILED", polled.reason];
        continue;
      }
      [outcome, reason] = [outcomeOf(polled.end), polled.reason];
      break;
    }

    const report: SimulationReport = {
      outcome,
      reason,
      taskType: category,
      attempts: this.#attempts,
      calls: this.#calls,
      phases: this.#phases,
      resource,
      deletesSucceeded: true,
      timings: { startedAt: 0, endedAt: 0, elapsedMs: 0, realMs: 0 },
    };
    if (outcome === "SUCCEEDED" && resource) {
      report.outputLiterals = resource.outputs;
      try {
        report.outputs = nativeOutputs(resource.outputs ?? create(OutputsSchema), iface);
      } catch (error) {
        report.outputsError = (error as Error).message;
      }
    }
    if (!abortedByUs && lastMeta && this.#s.gcAfterMs !== undefined) {
      const last = this.#attempts[this.#attempts.length - 1];
      await this.#s.clock.sleep(this.#s.gcAfterMs);
      await this.#delete(category, lastMeta, connection, last.attempt, "garbage-collection");
    }
    report.deletesSucceeded = this.#deletesOk;
    const ended = this.#elapsed();
    report.timings = {
      startedAt: 0,
      endedAt: ended,
      elapsedMs: ended,
      realMs: performance.now() - this.#realStarted,
    };
    return report;
  }

  async #discover(category: { name: string; version: number }): Promise<void> {
    const listed = await this.#call("ListConnectors", undefined, undefined, () =>
      this.#sim.client.listConnectors({ deadlineMs: this.#s.timeouts.ListConnectors }),
    );
    if (!listed.ok) {
      throw new SimulationError(
        `ListConnectors failed at ${this.#sim.endpoint} (${listed.error.codeName}: ${listed.error.details}); ` +
          "the Flyte backend learns task types from it and would not route this task",
      );
    }
    const served = listed.value.connectors.flatMap((c) =>
      c.supportedTaskCategories.map((t) => ({ connector: c.name, name: t.name, version: t.version })),
    );
    if (!served.some((t) => t.name === category.name && t.version === category.version)) {
      const list = served.map((t) => `"${t.name}" v${t.version} (${t.connector})`).join(", ") || "nothing";
      throw new SimulationError(
        `task type "${category.name}" version ${category.version} is not listed by ListConnectors at ` +
          `${this.#sim.endpoint}; it lists ${list}. The Flyte backend would not route this task to the connector.`,
      );
    }
  }

  /** GetTask right after create, then every resync interval, until a terminal phase or a system failure. */
  async #poll(
    category: { name: string; version: number },
    meta: Uint8Array,
    outputPrefix: string,
    connection: { secrets: Record<string, string>; configs: Record<string, string> },
    record: AttemptRecord,
  ): Promise<{ end: AttemptEnd; reason: string; resource?: UpstreamResource }> {
    let resource: UpstreamResource | undefined;
    let lastError = "";
    for (let first = true; ; first = false) {
      if (!first) {
        try {
          await this.#s.clock.sleep(this.#s.resyncMs, this.#options.signal);
        } catch {
          return { end: "CANCELLED", reason: "aborted", resource };
        }
      }
      if (this.#aborted) return { end: "CANCELLED", reason: "aborted", resource };
      // The backend checks the count before each sync, and never resets it.
      if (record.failedPolls > this.#s.maxSystemFailures) {
        return {
          end: "SYSTEM_FAILURE",
          reason: `${record.failedPolls} GetTask calls failed (more than maxSystemFailures = ${this.#s.maxSystemFailures}); last: ${lastError}`,
          resource,
        };
      }
      const got = await this.#call("GetTask", record.attempt, undefined, () =>
        this.#sim.client.getTask(
          { taskCategory: category, resourceMeta: meta, outputPrefix, connection },
          { deadlineMs: this.#s.timeouts.GetTask },
        ),
      );
      if (!got.ok) {
        record.failedPolls += 1;
        lastError = `${got.error.codeName}: ${got.error.details}`;
        continue;
      }
      resource = got.value.resource ?? undefined;
      const phase = resource?.phase ?? Phase.UNDEFINED;
      const message = resource?.message ?? "";
      const previous = this.#phases.filter((p) => p.attempt === record.attempt).at(-1);
      if (previous?.phase !== phase) {
        this.#phases.push({
          attempt: record.attempt,
          phase,
          phaseName: Phase[phase] ?? String(phase),
          message,
          at: this.#elapsed(),
        });
      }
      if (NON_TERMINAL.has(phase)) continue;
      switch (phase) {
        case Phase.SUCCEEDED:
          return { end: "SUCCEEDED", reason: message, resource };
        case Phase.FAILED:
          return { end: "FAILED", reason: `failed to run the job: ${message}`, resource };
        case Phase.ABORTED:
          return { end: "ABORTED", reason: "failed to run the job with aborted phase.", resource };
        case Phase.RETRYABLE_FAILED:
          return { end: "RETRYABLE_FAILED", reason: `failed to run the job: ${message}`, resource };
        default:
          return {
            end: "SYSTEM_FAILURE",
            reason: `unknown execution phase [${Phase[phase] ?? phase}]`,
            resource,
          };
      }
    }
  }

  /** DeleteTask, retried after `deleteRetryIntervalMs` while it fails, at most `maxDeleteAttempts` times. */
  async #delete(
    category: { name: string; version: number },
    meta: Uint8Array,
    connection: { secrets: Record<string, string>; configs: Record<string, string> },
    attempt: number,
    purpose: NonNullable<CallRecord["purpose"]>,
  ): Promise<void> {
    for (let i = 0; i < this.#s.maxDeleteAttempts; i++) {
      if (i > 0) await this.#s.clock.sleep(this.#s.deleteRetryMs);
      const deleted = await this.#call("DeleteTask", attempt, purpose, () =>
        this.#sim.client.deleteTask(
          { taskCategory: category, resourceMeta: meta, connection },
          { deadlineMs: this.#s.timeouts.DeleteTask },
        ),
      );
      if (deleted.ok) return;
    }
    this.#deletesOk = false;
  }

  async #call<T>(
    method: BackendOperation,
    attempt: number | undefined,
    purpose: CallRecord["purpose"],
    send: () => Promise<T>,
  ): Promise<
    { ok: true; value: T } | { ok: false; error: { code: number; codeName: string; details: string } }
  > {
    const startedAt = this.#elapsed();
    const realStart = performance.now();
    const record: CallRecord = {
      method,
      attempt,
      ...(purpose ? { purpose } : {}),
      startedAt,
      endedAt: startedAt,
      durationMs: 0,
      deadlineMs: this.#s.timeouts[method],
      code: GrpcStatus.OK,
      codeName: "OK",
    };
    let result:
      { ok: true; value: T } | { ok: false; error: { code: number; codeName: string; details: string } };
    try {
      const value = await send();
      result = { ok: true, value };
      const resource = (value as { resource?: UpstreamResource }).resource;
      if (method === "GetTask" && resource) {
        record.phase = resource.phase;
        record.phaseName = Phase[resource.phase] ?? String(resource.phase);
        record.message = resource.message;
      }
    } catch (thrown) {
      const error = thrown as ServiceError;
      const code = typeof error.code === "number" ? error.code : GrpcStatus.UNKNOWN;
      const details = error.details ?? error.message ?? String(thrown);
      result = { ok: false, error: { code, codeName: CODE_NAMES[code] ?? String(code), details } };
      record.code = code;
      record.codeName = result.error.codeName;
      record.message = details;
    }
    record.endedAt = this.#elapsed();
    record.durationMs = performance.now() - realStart;
    this.#calls.push(record);
    this.#options.onCall?.(record);
    return result;
  }

  #elapsed(): number {
    return this.#s.clock.now() - this.#started;
  }
}

function outcomeOf(end: AttemptEnd): Outcome {
  switch (end) {
    case "SUCCEEDED":
      return "SUCCEEDED";
    case "SYSTEM_FAILURE":
      return "SYSTEM_FAILURE";
    case "CANCELLED":
      return "ABORTED";
    default:
      return "FAILED";
  }
}

/** The task execution metadata the backend sends for an attempt (upstream shape). */
function executionMetadataFor(
  execution: { org: string; project: string; domain: string; name: string; nodeId: string },
  retryAttempt: number,
  taskName: string,
) {
  const { org, project, domain, name, nodeId } = execution;
  return {
    taskExecutionId: {
      taskId: { resourceType: 1, org, project, domain, name: taskName, version: "" },
      nodeExecutionId: { nodeId, executionId: { org, project, domain, name } },
      retryAttempt,
    },
    namespace: `${project}-${domain}`,
  };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0))
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value >= 0))
    throw new RangeError(`${name} must be a number ≥ 0, got ${value}`);
  return value;
}
