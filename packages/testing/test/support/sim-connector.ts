/**
 * A connector whose jobs follow a script, for the simulator's tests. `custom.scripts[attempt]` lists the
 * answers of that attempt's GetTask calls, one per call (the last repeats): a phase name with an optional
 * message (`"RETRYABLE_FAILED:quota"`), or `"throw:<code>"` (get throws a ConnectorError with that code).
 * `custom.createHangs` lists attempts whose create waits until its call is cancelled.
 */
import {
  AsyncConnector,
  AsyncConnectorExecutorMixin,
  ConnectorError,
  TaskExecutionPhase as Phase,
  TaskTemplate,
  jsonMeta,
  types,
  type CallContext,
  type CreateContext,
  type ErrorCode,
  type Resource,
} from "@flyte-connectors/runtime";

export interface SimMeta {
  job_id: string;
}

export class SimConnector extends AsyncConnector<SimMeta> {
  readonly name = "Sim Connector";
  readonly taskTypeName = "sim_task";
  readonly metadata = jsonMeta<SimMeta>(["job_id"]);
  readonly creates: Array<{ key: string; attempt: number; token: string | undefined }> = [];
  readonly gets: string[] = [];
  readonly deletes: string[] = [];
  /** DeleteTask calls that fail before one succeeds. */
  failingDeletes = 0;
  /** Milliseconds every get takes. */
  getDelayMs = 0;
  readonly #jobs = new Map<string, { steps: string[]; polls: number; n: number }>();

  async create(ctx: CreateContext): Promise<SimMeta> {
    const attempt = ctx.taskExecutionMetadata?.taskExecutionId?.retryAttempt ?? 0;
    this.creates.push({ key: ctx.idempotencyKey, attempt, token: ctx.secrets.get("token") });
    const custom = (ctx.taskTemplate.custom ?? {}) as { scripts?: string[][]; createHangs?: number[] };
    if (custom.createHangs?.includes(attempt)) {
      await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
    }
    const scripts = custom.scripts ?? [["SUCCEEDED"]];
    const jobId = `job-${ctx.idempotencyKey.slice(0, 8)}`;
    if (!this.#jobs.has(jobId)) {
      this.#jobs.set(jobId, {
        steps: scripts[Math.min(attempt, scripts.length - 1)],
        polls: 0,
        n: Number(ctx.inputs.n ?? 0),
      });
    }
    return { job_id: jobId };
  }

  async get(meta: SimMeta, _ctx: CallContext): Promise<Resource> {
    this.gets.push(meta.job_id);
    if (this.getDelayMs) await new Promise((resolve) => setTimeout(resolve, this.getDelayMs));
    const job = this.#jobs.get(meta.job_id);
    if (!job) return { phase: Phase.FAILED, message: "no such job" };
    const step = job.steps[Math.min(job.polls, job.steps.length - 1)];
    job.polls += 1;
    const [what, ...rest] = step.split(":");
    const message = rest.join(":");
    if (what === "throw") throw new ConnectorError(message as ErrorCode, `scripted ${message}`);
    const phase = Phase[what as keyof typeof Phase];
    if (phase === Phase.SUCCEEDED) return { phase, message: "done", outputs: { doubled: job.n * 2 } };
    return { phase, message: message || what.toLowerCase() };
  }

  async delete(meta: SimMeta): Promise<void> {
    this.deletes.push(meta.job_id);
    if (this.failingDeletes > 0) {
      this.failingDeletes -= 1;
      throw ConnectorError.unavailable("scripted delete failure");
    }
  }
}

/** The task: doubles `n`. */
export class SimTask extends AsyncConnectorExecutorMixin(TaskTemplate) {
  override readonly interface = { inputs: { n: types.int }, outputs: { doubled: types.int } };

  constructor(
    private readonly custom: { scripts?: string[][]; createHangs?: number[] } = {},
    retries = 0,
  ) {
    super({ name: "sim", taskType: "sim_task", retries });
  }

  override customConfig(): Record<string, unknown> {
    return this.custom;
  }
}
