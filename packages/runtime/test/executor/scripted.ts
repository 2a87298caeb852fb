/**
 * A connector whose jobs follow a script, and a task for it: what the executor tests drive, in process
 * and over gRPC.
 *
 * The task's `custom.scripts[attempt]` lists the steps of that attempt's job, one per `get` (the last
 * repeats): a phase name with an optional message (`"RUNNING:epoch 1"`), `"throw:<code>"` (get throws a
 * ConnectorError with that code), `"hang"` (get waits for its signal), `"LEAK"` (RUNNING, with the secret
 * `token` in the message). SUCCEEDED outputs are computed from the inputs.
 */
import pino from "pino";
import {
  AsyncConnector,
  AsyncConnectorExecutorMixin,
  ConnectorError,
  ConnectorRegistry,
  FlyteFile,
  TaskExecutionPhase as Phase,
  TaskTemplate,
  jsonMeta,
  types,
  type CallContext,
  type CreateContext,
  type ErrorCode,
  type Resource,
} from "@flyte-connectors/runtime";
import { idempotencyKeyFor } from "@flyte-connectors/runtime/pipeline";
import { LogCapture } from "@flyte-connectors/testing";

export interface Meta {
  job_id: string;
}

export interface CreateSeen {
  key: string;
  retryAttempt: number | undefined;
  run: string | undefined;
  nodeId: string | undefined;
  token: string | undefined;
  inputs: Record<string, unknown>;
}

export class ScriptedConnector extends AsyncConnector<Meta> {
  readonly name = "Scripted Connector";
  readonly taskTypeName = "scripted";
  readonly metadata = jsonMeta<Meta>(["job_id"]);
  readonly creates: CreateSeen[] = [];
  readonly gets: string[] = [];
  readonly deletes: string[] = [];
  /** The signals `get` received, to check per-call deadlines. */
  readonly getSignals: AbortSignal[] = [];
  readonly #jobs = new Map<
    string,
    { steps: string[]; polls: number; inputs: Record<string, unknown>; token?: string }
  >();

  async create({
    taskTemplate,
    inputs,
    idempotencyKey,
    secrets,
    taskExecutionMetadata,
  }: CreateContext): Promise<Meta> {
    const id = taskExecutionMetadata?.taskExecutionId;
    const attempt = id?.retryAttempt ?? 0;
    this.creates.push({
      key: idempotencyKey,
      retryAttempt: id?.retryAttempt,
      run: id?.nodeExecutionId?.executionId?.name,
      nodeId: id?.nodeExecutionId?.nodeId,
      token: secrets.get("token"),
      inputs: { ...inputs },
    });
    const delay = Number(taskTemplate.custom?.createDelayMs ?? 0);
    if (delay) await new Promise((r) => setTimeout(r, delay));
    const scripts = (taskTemplate.custom?.scripts ?? [["SUCCEEDED"]]) as string[][];
    const job_id = `job-${this.creates.length}`;
    this.#jobs.set(job_id, {
      steps: scripts[Math.min(attempt, scripts.length - 1)],
      polls: 0,
      inputs: { ...inputs },
      token: secrets.get("token"),
    });
    return { job_id };
  }

  async get(meta: Meta, ctx: CallContext): Promise<Resource> {
    this.gets.push(meta.job_id);
    this.getSignals.push(ctx.signal);
    const job = this.#jobs.get(meta.job_id);
    if (!job) throw ConnectorError.notFound(`no job ${meta.job_id}`);
    const step = job.steps[Math.min(job.polls++, job.steps.length - 1)];
    const logLinks = [{ name: "dashboard", uri: `http://dash/${meta.job_id}` }];
    if (step.startsWith("throw:"))
      throw new ConnectorError(step.slice(6) as ErrorCode, `scripted ${step.slice(6)}`);
    if (step === "hang") {
      return new Promise((_, reject) =>
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true }),
      );
    }
    if (step === "LEAK") return { phase: Phase.RUNNING, message: `using token ${job.token}`, logLinks };
    const [name, message] = step.split(":");
    const phase = Phase[name as keyof typeof Phase] as Phase;
    if (phase !== Phase.SUCCEEDED) return { phase, message, logLinks };
    const a = Number(job.inputs.a);
    const b = Number(job.inputs.b);
    return {
      phase,
      logLinks,
      outputs: {
        total: a + b,
        ratio: a / b,
        label: `${a}+${b}`,
        parts: [a, b],
        summary: { a, b, note: job.inputs.note ?? null },
        report: new FlyteFile(`file:///reports/${a}-${b}.txt`),
      },
    };
  }

  async delete(meta: Meta): Promise<void> {
    this.deletes.push(meta.job_id);
  }
}

export interface AddTaskOptions {
  retries?: number;
  timeout?: number;
  createDelayMs?: number;
}

/** Adds two numbers on the scripted "service"; outputs of several kinds, to compare local and remote runs. */
export class AddTask extends AsyncConnectorExecutorMixin(TaskTemplate) {
  override readonly interface = {
    inputs: { a: types.int, b: types.int, note: types.optional(types.string) },
    outputs: {
      total: types.int,
      ratio: types.float,
      label: types.string,
      parts: types.list(types.int),
      summary: types.json,
      report: types.file,
    },
  };

  constructor(
    private readonly scripts: string[][],
    private readonly options: AddTaskOptions = {},
  ) {
    super({
      name: "add",
      taskType: "scripted",
      secrets: { token: "EXECUTOR_TEST_TOKEN" },
      retries: options.retries,
      timeout: options.timeout,
    });
  }

  override customConfig() {
    return this.options.createDelayMs
      ? { scripts: this.scripts, createDelayMs: this.options.createDelayMs }
      : { scripts: this.scripts };
  }
}

/** Tiny polls, so a job of a few steps takes milliseconds. */
export const FAST = { poll: { initialMs: 5, multiplier: 1.5, maxMs: 20 }, handleSignals: false } as const;

export function setup() {
  const connector = new ScriptedConnector();
  const registry = new ConnectorRegistry([connector]);
  const logs = new LogCapture();
  const logger = pino({ base: undefined }, logs);
  return { connector, registry, logs, options: { ...FAST, registry, logger } };
}

/** Messages of the captured log records. */
export function messages(logs: LogCapture): string[] {
  return logs.records().map((r) => String(r.msg));
}

export function count<T>(items: T[], item: T): number {
  return items.filter((x) => x === item).length;
}

/** The idempotency key the server derives for attempt `attempt` of a local run of the "add" task. */
export function localAttemptKey(run: string, attempt: number): string {
  return idempotencyKeyFor({
    taskExecutionId: {
      nodeExecutionId: {
        nodeId: "add",
        executionId: { org: "", project: "local", domain: "development", name: run },
      },
      retryAttempt: attempt,
    },
  } as never);
}

/** Waits (by polling, at most ~10 s) until `condition` holds: for steps that depend on the run's progress, not on time. */
export async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error(`condition never held: ${condition.toString()}`);
}
