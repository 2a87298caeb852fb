import { setTimeout as sleep } from "node:timers/promises";
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Logger } from "pino";
import { ConnectorError, ErrorCode } from "../errors";
import type {
  DeleteTaskRequest,
  GetTaskRequest,
  Resource,
  TaskExecutionMetadata,
} from "../gen/flyteidl2/connector/connector";
import type { Connection } from "../gen/flyteidl2/core/security";
import type { TaskTemplate as TaskTemplateProto } from "../gen/flyteidl2/core/tasks";
import { Inputs } from "../gen/flyteidl2/task/common";
import { inputsToNative, nativeToInputs, outputsToNative } from "../literals";
import { TaskExecutionPhase, isTerminal } from "../phase";
import { defaultRegistry, type ConnectorRegistry } from "../registry";
import type { SecretSourceOptions } from "../secrets";
import type { CallLimits, ExecutionBackend } from "./backend";
import { pollDelays, resolvePollOptions, type PollOptions } from "./backoff";
import { TaskAbortedError, TaskFailedError, TaskTimeoutError, type StopReason } from "./errors";
import { GrpcBackend, checkEndpoint } from "./grpc-backend";
import { InProcessBackend } from "./in-process-backend";
import { Progress, createExecutionLogger, type Clock, type ExecutionEvent } from "./progress";

export interface ExecuteOptions {
  /** Where to find the connector, in process. Default `defaultRegistry`. Unused with `endpoint`. */
  registry?: ConnectorRegistry;
  /** Drive a running `flyte-connector serve` at this `host:port` over gRPC instead of running in process. Default none. */
  endpoint?: string;
  /** Secret values by name, on top of (and overriding) those the template maps from environment variables. */
  secrets?: Record<string, string>;
  /** In process only: where the connector's `SecretStore` looks past the given secrets. Default the server's (`FLYTE_SECRET_*`, `/etc/secrets`). */
  secretSources?: SecretSourceOptions;
  /** Stops the execution: the job is deleted and `execute` rejects with `TaskAbortedError` (reason "aborted"). */
  signal?: AbortSignal;
  /**
   * Whole-execution timeout in ms, retries included: the job is deleted and `execute` rejects with
   * `TaskTimeoutError`. Default: the task's `timeout`, else none.
   */
  timeout?: number;
  /** Poll spacing. Default 1 s, growing ×1.5 up to 10 s. */
  poll?: PollOptions;
  /** The deadline of each create/get/delete call, in ms. Default 10000, the backend's. */
  callTimeoutMs?: number;
  /** Consecutive failed polls (unavailable or retryable errors) after which `execute` gives up, as the backend does. Default 5. */
  maxPollFailures?: number;
  /** Non-secret per-task settings, sent as `connection.configs` (the connector's `ctx.configs`). Default none. */
  configs?: Record<string, string>;
  /** Where progress goes. Default `createExecutionLogger()`: readable lines on a terminal, JSON otherwise, on stderr. */
  logger?: Logger;
  /** Called with each progress event (created, phase, progress, log link, poll failed, retrying, ...), in order. */
  onEvent?: (event: ExecutionEvent) => void;
  /**
   * What measures events' `elapsedMs` and waits between polls. Default: the real one (`performance.now`,
   * timers). The execution's `timeout` and each call's deadline always run on real timers.
   */
  clock?: Clock;
  /**
   * While the execution runs, Ctrl-C (SIGINT) deletes the job, rejects with `TaskAbortedError` (reason
   * "interrupted"), then re-raises SIGINT so the process ends as it would have. A second Ctrl-C exits at
   * once. Default: true when stdin is a terminal (someone is there to press Ctrl-C), false otherwise.
   */
  handleSignals?: boolean;
  /** The output prefix the connector sees. Default `file://<tmpdir>/flyte-local/<run>`. */
  outputPrefix?: string;
}

/** What the executor needs of a task; `TaskTemplate` has it. */
export interface ExecutableTask {
  readonly name: string;
  readonly retries: number;
  readonly timeoutMs: number | undefined;
  readonly secrets: Readonly<Record<string, string>>;
  toProto(): TaskTemplateProto;
}

const DEFAULT_CALL_TIMEOUT_MS = 10_000;
const REAL_CLOCK: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};
const DEFAULT_MAX_POLL_FAILURES = 5;

/**
 * Runs a task's job through its connector as the Flyte backend would: create → poll get with backoff →
 * outputs. RETRYABLE_FAILED deletes the job and starts a new attempt (up to the task's `retries`); abort,
 * timeout or Ctrl-C delete the job once. Resolves to the native outputs; rejects with `TaskFailedError`,
 * `TaskAbortedError` / `TaskTimeoutError`, or the `ConnectorError` of a call that failed.
 */
export async function executeTask(
  task: ExecutableTask,
  inputs: Record<string, unknown>,
  options: ExecuteOptions = {},
): Promise<Record<string, unknown>> {
  const callTimeoutMs = positive(options.callTimeoutMs, DEFAULT_CALL_TIMEOUT_MS, "callTimeoutMs");
  const maxPollFailures = positive(options.maxPollFailures, DEFAULT_MAX_POLL_FAILURES, "maxPollFailures");
  const timeoutMs = options.timeout === undefined ? task.timeoutMs : positive(options.timeout, 0, "timeout");
  const poll = resolvePollOptions(options.poll);
  const proto = task.toProto();
  const category = { name: proto.type, version: proto.taskTypeVersion };
  const registry = options.registry ?? defaultRegistry;
  // Before anything runs: an endpoint not in the form grpc-js needs, or a connector the registry lacks
  // (the error lists what is registered).
  if (options.endpoint) checkEndpoint(options.endpoint);
  else registry.get(category);
  // Before anything is created: wrong or missing inputs fail here, naming the input.
  const wireInputs = throughTheWire(inputs, proto);
  const logger = (options.logger ?? createExecutionLogger()).child({ task: task.name });
  const { secrets, unset } = resolveSecrets(task.secrets, options.secrets);
  const clock = options.clock ?? REAL_CLOCK;
  const progress = new Progress(task.name, logger, Object.values(secrets), clock, options.onEvent);
  for (const [secret, env] of unset) {
    progress.emit({
      type: "warning",
      message: "secret not set in the environment; the connector may reject the task",
      details: { secret, env },
    });
  }
  const run = `local-${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  const outputPrefix = options.outputPrefix ?? pathToFileURL(path.join(tmpdir(), "flyte-local", run)).href;
  // What the backend sends with every call of this task; `connection` carries its secrets in plain text.
  const connection: Connection = { taskType: proto.type, secrets, configs: { ...options.configs } };
  const job: JobCalls = {
    get: (resourceMeta) => ({
      resourceMeta: Buffer.from(resourceMeta),
      taskCategory: category,
      outputPrefix,
      connection,
    }),
    delete: (resourceMeta) => ({
      resourceMeta: Buffer.from(resourceMeta),
      taskCategory: category,
      connection,
    }),
  };
  const backend: ExecutionBackend = options.endpoint
    ? new GrpcBackend(options.endpoint)
    : new InProcessBackend(registry, logger, options.secretSources);

  // One controller for the whole execution: the caller's signal, the timeout and Ctrl-C all stop it.
  const stop = new AbortController();
  let stopReason: StopReason | undefined;
  const halt = (reason: StopReason) => {
    if (stop.signal.aborted) return;
    stopReason = reason;
    stop.abort(new DOMException(`execution ${reason}`, "AbortError"));
  };
  const onCallerAbort = () => halt("aborted");
  if (options.signal?.aborted) halt("aborted");
  options.signal?.addEventListener("abort", onCallerAbort, { once: true });
  // A timer the execution owns and clears (never an AbortSignal.timeout, which Node 20 may collect early).
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => halt("timeout"), timeoutMs);
  const handleSignals = options.handleSignals ?? Boolean(process.stdin.isTTY);
  const onSigint = () => {
    progress.emit({ type: "interrupted" });
    halt("interrupted");
  };
  if (handleSignals) process.once("SIGINT", onSigint);

  // Per call: its deadline (the backend enforces it with a timer the call owns), and the execution's stop
  // unless the call must run to its end.
  const limits = (stoppable = true): CallLimits => ({
    deadline: Date.now() + callTimeoutMs,
    signal: stoppable ? stop.signal : undefined,
  });
  const throwIfStopped = () => {
    if (stop.signal.aborted) throw stop.signal.reason;
  };

  let live: Uint8Array | undefined; // the resource meta of a job that may still be running
  try {
    for (let attempt = 0; ; attempt++) {
      throwIfStopped();
      const taskExecutionMetadata = executionMetadata(proto, run, attempt);
      // Not stoppable: a create cut short may still start a job that nothing could then delete. Waiting
      // for it (at most the call deadline) lets the delete below find it.
      live = await backend.create(
        { template: proto, inputs: wireInputs, outputPrefix, taskExecutionMetadata, connection },
        limits(false),
      );
      progress.created(attempt + 1);
      throwIfStopped();
      const resource = await pollUntilTerminal(backend, live, job, {
        progress,
        clock,
        stop: stop.signal,
        limits,
        poll,
        maxPollFailures,
      });
      const meta = live;
      live = undefined;
      if (resource.phase === TaskExecutionPhase.SUCCEEDED)
        return outputsToNative(resource.outputs, proto.interface);
      if (resource.phase === TaskExecutionPhase.RETRYABLE_FAILED && attempt < task.retries) {
        progress.emit({
          type: "retrying",
          attempt: attempt + 1,
          message: progress.scrub(resource.message) || undefined,
        });
        // As the backend does before a new attempt; a failure here must not cost the retry.
        await deleteJob(backend, meta, job, limits(false), progress);
        continue;
      }
      throw new TaskFailedError(task.name, resource.phase, progress.scrub(resource.message), attempt + 1);
    }
  } catch (error) {
    // A job left running (stopped, or given up on) is deleted once; finished jobs are left alone.
    const deleted = live ? await deleteJob(backend, live, job, limits(false), progress) : true;
    if (stopReason === "timeout")
      throw new TaskTimeoutError(task.name, deleted, timeoutMs!, { cause: error });
    if (stopReason)
      throw new TaskAbortedError(task.name, stopReason, deleted, {
        cause: stopReason === "aborted" ? (options.signal?.reason ?? error) : error,
      });
    throw error;
  } finally {
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener("abort", onCallerAbort);
    if (handleSignals) process.removeListener("SIGINT", onSigint);
    backend.close();
    // Ctrl-C was ours only until the job was deleted; now it ends the process as it would have.
    if (stopReason === "interrupted") process.kill(process.pid, "SIGINT");
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0))
    throw new RangeError(`execute option ${name} must be a positive number, got ${value}`);
  return value;
}

/** The inputs as the server would hand them to the connector: literals, protobuf bytes, and back. */
function throughTheWire(inputs: Record<string, unknown>, proto: TaskTemplateProto): Inputs {
  const wire = Inputs.decode(Inputs.encode(nativeToInputs(inputs, proto.interface)).finish());
  inputsToNative(wire, proto.interface);
  return wire;
}

/**
 * The task's `secrets` option (secret name → environment variable) read from the environment, then the
 * explicit values on top. Not `custom.secrets`: its shape belongs to each connector (BigQuery's names a
 * secret there, not a variable).
 */
function resolveSecrets(
  templateSecrets: Readonly<Record<string, string>>,
  explicit: Record<string, string> = {},
): { secrets: Record<string, string>; unset: Array<[name: string, envVar: string]> } {
  const resolved: Record<string, string> = {};
  const unset: Array<[string, string]> = [];
  for (const [name, envVar] of Object.entries(templateSecrets)) {
    if (Object.hasOwn(explicit, name)) continue;
    const value = process.env[envVar];
    if (value) resolved[name] = value;
    else unset.push([name, envVar]);
  }
  return { secrets: { ...resolved, ...explicit }, unset };
}

/** The get and delete requests of one job of this execution. */
interface JobCalls {
  get(resourceMeta: Uint8Array): GetTaskRequest;
  delete(resourceMeta: Uint8Array): DeleteTaskRequest;
}

async function deleteJob(
  backend: ExecutionBackend,
  meta: Uint8Array,
  job: JobCalls,
  limits: CallLimits,
  progress: Progress,
): Promise<boolean> {
  progress.emit({ type: "deleting" });
  try {
    await backend.delete(job.delete(meta), limits);
    progress.emit({ type: "deleted" });
    return true;
  } catch (error) {
    progress.emit({ type: "delete-failed", message: progress.scrub(ConnectorError.from(error).message) });
    return false;
  }
}

interface PollContext {
  progress: Progress;
  clock: Clock;
  stop: AbortSignal;
  limits: () => CallLimits;
  poll?: PollOptions;
  maxPollFailures: number;
}

/** Polls until a terminal phase. The first poll comes right after create, as the backend's does. */
async function pollUntilTerminal(
  backend: ExecutionBackend,
  meta: Uint8Array,
  job: JobCalls,
  ctx: PollContext,
): Promise<Resource> {
  const request = job.get(meta);
  const delays = pollDelays(ctx.poll);
  let failures = 0;
  for (let first = true; ; first = false) {
    if (!first) await ctx.clock.sleep(delays.next().value, ctx.stop);
    let resource: Resource;
    try {
      resource = await backend.get(request, ctx.limits());
      failures = 0;
    } catch (error) {
      if (ctx.stop.aborted) throw ctx.stop.reason;
      const e = ConnectorError.from(error);
      // Transient trouble gets more polls, as the backend allows; anything else will not get better.
      if (!(e.retryable || e.code === ErrorCode.Unavailable)) throw e;
      if (++failures >= ctx.maxPollFailures) {
        throw new ConnectorError(
          e.code,
          `gave up after ${failures} failed polls in a row; the last: ${e.message}`,
          { cause: e, retryable: false },
        );
      }
      ctx.progress.emit({ type: "poll-failed", failures, message: ctx.progress.scrub(e.message) });
      continue;
    }
    ctx.progress.resource(resource);
    if (isTerminal(resource.phase)) return resource;
  }
}

/**
 * The task execution id the backend would send for this local run and attempt: the template's project
 * and domain ("local"/"development" unless set), a run name random per `execute()`, the task name as node
 * id. `idempotencyKeyFor` hashes it, so each attempt gets its own stable key.
 */
function executionMetadata(proto: TaskTemplateProto, run: string, attempt: number): TaskExecutionMetadata {
  const project = proto.id?.project || "local";
  const domain = proto.id?.domain || "development";
  return {
    taskExecutionId: {
      taskId: proto.id,
      nodeExecutionId: {
        nodeId: proto.id?.name || "n0",
        executionId: { org: "", project, domain, name: run },
      },
      retryAttempt: attempt,
    },
    namespace: `${project}-${domain}`,
    labels: {},
    annotations: {},
    k8sServiceAccount: "",
    environmentVariables: {},
    maxAttempts: 0,
    interruptible: false,
    interruptibleFailureThreshold: 0,
    identity: undefined,
  };
}
