import { randomUUID } from "node:crypto";
import pino, { type Logger } from "pino";
import { ConnectorError, ErrorCode } from "../errors";
import { nativeToInputs, outputsToNative } from "../literals";
import { TaskExecutionPhase, isTerminal, phaseName } from "../phase";
import { defaultRegistry, type ConnectorRegistry } from "../registry";
import type { SecretSourceOptions } from "../secrets";
import type { TaskExecutionMetadata } from "../gen/flyteidl2/connector/connector";
import type { TaskTemplate as TaskTemplateProto } from "../gen/flyteidl2/core/tasks";
import { GrpcBackend, InProcessBackend, type CallLimits, type ExecutionBackend, type JobRequest } from "./backends";
import { pollDelays, type PollOptions } from "./backoff";
import { TaskAbortedError, TaskFailedError, type StopReason } from "./errors";

export interface ExecuteOptions {
  /** Where to find the connector in process. Default `defaultRegistry`. Ignored with `endpoint`. */
  registry?: ConnectorRegistry;
  /** Drive a running `flyte-connector serve` at this address (`host:port`) over gRPC instead. */
  endpoint?: string;
  /** Secret values by name, on top of those the template maps from environment variables. */
  secrets?: Record<string, string>;
  /** Where secrets come from besides these (environment prefix, mounted folder), in process. */
  secretSources?: SecretSourceOptions;
  /** Stops the execution: the job is deleted and `execute` rejects with `TaskAbortedError`. */
  signal?: AbortSignal;
  /** Whole-execution timeout in ms (default: the task's `timeoutMs`, else none). */
  timeoutMs?: number;
  /** Poll spacing; default 1 s growing ×1.5 to 10 s. */
  poll?: PollOptions;
  /** Deadline of each connector call, in ms. Default 10000, the backend's. */
  callTimeoutMs?: number;
  /** Consecutive failed polls tolerated before giving up, as the backend does. Default 5. */
  maxPollFailures?: number;
  /** Where progress goes. Default: readable lines on a TTY stderr, JSON otherwise. */
  logger?: Logger;
  /** Delete the job on Ctrl-C before the process exits. Default: true when stdin is a TTY. */
  handleSignals?: boolean;
  /** The output prefix the connector sees. Default `file:///tmp/flyte-local/<run>`. */
  outputPrefix?: string;
}

/** What the executor needs of a task: the template's own shape, not the class. */
export interface ExecutableTask {
  readonly name: string;
  readonly taskType: string;
  readonly taskTypeVersion: number;
  readonly retries: number;
  readonly timeoutMs: number | undefined;
  readonly secrets: Readonly<Record<string, string>>;
  toProto(): TaskTemplateProto;
}

/** Progress lines for people: `+1.2s model_train RUNNING: epoch 1/3`. */
export function createExecutionLogger(stream: NodeJS.WriteStream = process.stderr): Logger {
  if (!stream.isTTY) return pino({ base: undefined }, stream);
  const started = Date.now();
  return pino(
    { base: undefined },
    {
      write(line: string) {
        const { msg, level: _level, time: _time, ...fields } = JSON.parse(line) as Record<string, unknown>;
        const elapsed = `+${((Date.now() - started) / 1000).toFixed(1)}s`;
        const extra = Object.entries(fields)
          .filter(([k]) => k !== "task")
          .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
          .join(" ");
        stream.write(`${elapsed.padStart(7)} ${String(fields.task ?? "")} ${String(msg)}${extra ? `  ${extra}` : ""}\n`);
      },
    },
  );
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Resolves the template's `secrets` mapping (secret name → environment variable) plus explicit values. */
function resolveSecrets(task: ExecutableTask, proto: TaskTemplateProto, explicit: Record<string, string> = {}): Record<string, string> {
  const mapping = { ...((proto.custom?.secrets as Record<string, unknown> | undefined) ?? {}), ...task.secrets };
  const resolved: Record<string, string> = {};
  for (const [name, envVar] of Object.entries(mapping)) {
    const value = typeof envVar === "string" ? process.env[envVar] : undefined;
    if (value !== undefined) resolved[name] = value;
  }
  return { ...resolved, ...explicit };
}

/**
 * Runs a task's job through a connector exactly as the Flyte backend would: create → poll get (with
 * backoff) → outputs; RETRYABLE_FAILED → delete and a new attempt; abort, timeout or Ctrl-C → delete once.
 */
export async function executeTask(
  task: ExecutableTask,
  inputs: Record<string, unknown>,
  options: ExecuteOptions = {},
): Promise<Record<string, unknown>> {
  const logger = (options.logger ?? createExecutionLogger()).child({ task: task.name });
  const proto = task.toProto();
  const category = { name: proto.type, version: proto.taskTypeVersion };
  // Checked before anything is created: wrong or missing inputs name the input.
  const wireInputs = nativeToInputs(inputs, proto.interface);
  const backend: ExecutionBackend = options.endpoint
    ? new GrpcBackend(options.endpoint)
    : new InProcessBackend(options.registry ?? defaultRegistry, logger, options.secretSources);
  if (!options.endpoint) (options.registry ?? defaultRegistry).get(category); // fail fast, listing what is registered
  const secrets = resolveSecrets(task, proto, options.secrets);
  const job: JobRequest = { category, secrets };
  const run = `local-${randomUUID().slice(0, 8)}`;
  const callTimeoutMs = options.callTimeoutMs ?? 10_000;
  const maxPollFailures = options.maxPollFailures ?? 5;

  // One controller for the whole execution: the caller's signal, the timeout, and Ctrl-C all stop it.
  const stop = new AbortController();
  let stopReason: StopReason | undefined;
  const halt = (reason: StopReason) => {
    if (!stop.signal.aborted) {
      stopReason = reason;
      stop.abort(new DOMException(`execution ${reason}`, "AbortError"));
    }
  };
  const onCallerAbort = () => halt("aborted");
  if (options.signal?.aborted) halt("aborted");
  options.signal?.addEventListener("abort", onCallerAbort, { once: true });
  const timeoutMs = options.timeoutMs ?? task.timeoutMs;
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => halt("timeout"), timeoutMs);
  const handleSignals = options.handleSignals ?? Boolean(process.stdin.isTTY);
  const onSigint = () => halt("interrupted");
  if (handleSignals) process.once("SIGINT", onSigint);

  const limits = (): CallLimits => ({
    signal: AbortSignal.any([stop.signal, AbortSignal.timeout(callTimeoutMs)]),
    deadline: Date.now() + callTimeoutMs,
  });

  let resourceMeta: Uint8Array | undefined;
  const started = Date.now();
  try {
    for (let attempt = 0; ; attempt++) {
      const metadata = executionMetadata(proto, run, attempt);
      resourceMeta = await backend.create(
        { template: proto, inputs: wireInputs, outputPrefix: options.outputPrefix ?? `file:///tmp/flyte-local/${run}`, taskExecutionMetadata: metadata, secrets },
        limits(),
      );
      logger.info({ attempt: attempt + 1 }, "created");
      const resource = await pollUntilTerminal(backend, resourceMeta, job, { logger, stop: stop.signal, limits, poll: options.poll, maxPollFailures });
      if (resource.phase === TaskExecutionPhase.SUCCEEDED) {
        const outputs = outputsToNative(resource.outputs, proto.interface);
        logger.info({ seconds: Number(((Date.now() - started) / 1000).toFixed(2)) }, "succeeded");
        return outputs;
      }
      if (resource.phase === TaskExecutionPhase.RETRYABLE_FAILED && attempt < task.retries) {
        logger.warn({ attempt: attempt + 1, message: resource.message }, "retryable failure: deleting and retrying");
        await backend.delete(resourceMeta, job, limits());
        resourceMeta = undefined;
        continue;
      }
      throw new TaskFailedError(task.name, resource.phase, resource.message, attempt + 1);
    }
  } catch (error) {
    if (stopReason) {
      const deleted = resourceMeta ? await deleteOnce(backend, resourceMeta, job, callTimeoutMs, logger) : true;
      throw new TaskAbortedError(task.name, stopReason, deleted, { cause: error });
    }
    throw error;
  } finally {
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener("abort", onCallerAbort);
    if (handleSignals) process.removeListener("SIGINT", onSigint);
    backend.close();
    // Ctrl-C was ours to handle only until the job was deleted; now let it end the process as usual.
    if (stopReason === "interrupted") process.kill(process.pid, "SIGINT");
  }
}

async function deleteOnce(backend: ExecutionBackend, resourceMeta: Uint8Array, job: JobRequest, timeoutMs: number, logger: Logger): Promise<boolean> {
  try {
    await backend.delete(resourceMeta, job, { signal: AbortSignal.timeout(timeoutMs), deadline: Date.now() + timeoutMs });
    logger.info("job deleted");
    return true;
  } catch (error) {
    logger.error({ err: error }, "could not delete the job");
    return false;
  }
}

interface PollContext {
  logger: Logger;
  stop: AbortSignal;
  limits: () => CallLimits;
  poll?: PollOptions;
  maxPollFailures: number;
}

async function pollUntilTerminal(backend: ExecutionBackend, resourceMeta: Uint8Array, job: JobRequest, ctx: PollContext) {
  const delays = pollDelays(ctx.poll);
  const seenLinks = new Set<string>();
  let lastPhase: TaskExecutionPhase | undefined;
  let lastMessage: string | undefined;
  let failures = 0;
  // The first poll comes right after create, as the backend's does; then the pauses grow.
  for (let first = true; ; first = false) {
    if (!first) await sleep(delays.next().value, ctx.stop);
    let resource;
    try {
      resource = await backend.get(resourceMeta, job, ctx.limits());
      failures = 0;
    } catch (error) {
      if (ctx.stop.aborted) throw error;
      const e = ConnectorError.from(error);
      // Like the backend: tolerate a few failed polls, but a bad request will not get better.
      if (e.code === ErrorCode.BadRequest || e.code === ErrorCode.NotFound || ++failures > ctx.maxPollFailures) throw e;
      ctx.logger.warn({ failures, error: e.message }, "poll failed; trying again");
      continue;
    }
    if (resource.phase !== lastPhase || resource.message !== lastMessage) {
      ctx.logger.info({ message: resource.message || undefined }, phaseName(resource.phase));
      lastPhase = resource.phase;
      lastMessage = resource.message;
    }
    for (const link of resource.logLinks) {
      if (seenLinks.has(link.uri)) continue;
      seenLinks.add(link.uri);
      ctx.logger.info({ uri: link.uri }, `log link: ${link.name}`);
    }
    if (isTerminal(resource.phase)) return resource;
  }
}

/** The task execution id the backend would send, for one local run and attempt. */
function executionMetadata(proto: TaskTemplateProto, run: string, attempt: number): TaskExecutionMetadata {
  return {
    taskExecutionId: {
      taskId: proto.id,
      nodeExecutionId: {
        nodeId: proto.id?.name ?? "n0",
        executionId: { project: proto.id?.project ?? "local", domain: proto.id?.domain ?? "development", name: run, org: "" },
      },
      retryAttempt: attempt,
    },
    namespace: `${proto.id?.project ?? "local"}-${proto.id?.domain ?? "development"}`,
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
