/**
 * In-memory training jobs and their simulated lifecycle: queued → running (epoch by epoch) → finished,
 * failed or cancelled. Each job has at most one pending timer, so stopping the service is just clearing them.
 */
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Logger } from "pino";
import {
  isTerminalStatus,
  type CreateJobRequest,
  type JobView,
  type LogLine,
  type LogsPage,
  type TrainingJobStatus,
} from "./wire";

/** A read-only picture of one job, for tests and debugging. */
export interface JobSnapshot {
  readonly id: string;
  readonly status: TrainingJobStatus;
  readonly idempotencyKey: string | undefined;
  /** How many `POST` requests were answered with this job (1, plus one per idempotent replay). */
  readonly createRequests: number;
  readonly datasetUri: string;
  readonly epochs: number;
  /** Epochs completed. */
  readonly epoch: number;
  readonly results: string | undefined;
  readonly error: string | undefined;
  readonly createdAt: string;
  readonly logLines: number;
}

export interface TrainingJobsSettings {
  epochMs: number;
  queueMs: number;
  failRate: number;
  modelsDir: string;
  logPageSize: number;
  logger: Logger;
}

/** Why a job should fail at its end, decided when it is created. */
export type FailureCause = "fail-header" | "fail-rate";

export type CreateOutcome =
  { kind: "created"; job: JobView } | { kind: "replayed"; job: JobView } | { kind: "key-conflict" };

export type CancelOutcome =
  { kind: "cancelled"; job: JobView } | { kind: "already-final" } | { kind: "not-found" };

export type LogsOutcome = { kind: "page"; page: LogsPage } | { kind: "bad-token" } | { kind: "not-found" };

interface TrainingJob {
  readonly id: string;
  readonly request: CreateJobRequest;
  readonly idempotencyKey: string | undefined;
  readonly failure: FailureCause | undefined;
  readonly createdAt: Date;
  /** Loss before training; each epoch shrinks the distance to a floor, so loss always decreases. */
  readonly initialLoss: number;
  status: TrainingJobStatus;
  createRequests: number;
  epoch: number;
  loss: number | undefined;
  results: string | undefined;
  error: string | undefined;
  timer: NodeJS.Timeout | undefined;
  readonly log: LogLine[];
}

const LOSS_FLOOR = 0.05;
const LOSS_DECAY_PER_EPOCH = 0.7;

const FAILURE_MESSAGES: Record<FailureCause, string> = {
  "fail-header": "loss became NaN (failure injected by the X-Fail-Job header)",
  "fail-rate": "loss became NaN (failure injected by --fail-rate)",
};

export class TrainingJobs {
  private readonly jobsById = new Map<string, TrainingJob>();
  private readonly jobIdsByKey = new Map<string, string>();
  private stopped = false;

  constructor(private readonly settings: TrainingJobsSettings) {}

  /**
   * Starts a job, or returns the one this idempotency key already started. The check and the insert
   * happen in one synchronous step, so concurrent requests with the same key cannot both create a job.
   */
  create(request: CreateJobRequest, idempotencyKey: string | undefined, failHeader: boolean): CreateOutcome {
    if (idempotencyKey !== undefined) {
      const existingId = this.jobIdsByKey.get(idempotencyKey);
      const existing = existingId === undefined ? undefined : this.jobsById.get(existingId);
      if (existing) {
        if (
          existing.request.dataset_uri !== request.dataset_uri ||
          existing.request.epochs !== request.epochs
        ) {
          return { kind: "key-conflict" };
        }
        existing.createRequests += 1;
        return { kind: "replayed", job: viewOf(existing) };
      }
    }
    const failure: FailureCause | undefined = failHeader
      ? "fail-header"
      : Math.random() < this.settings.failRate
        ? "fail-rate"
        : undefined;
    const job: TrainingJob = {
      id: `job-${randomUUID()}`,
      request: { dataset_uri: request.dataset_uri, epochs: request.epochs },
      idempotencyKey,
      failure,
      createdAt: new Date(),
      initialLoss: round(1.5 + Math.random()),
      status: "queued",
      createRequests: 1,
      epoch: 0,
      loss: undefined,
      results: undefined,
      error: undefined,
      timer: undefined,
      log: [],
    };
    this.jobsById.set(job.id, job);
    if (idempotencyKey !== undefined) this.jobIdsByKey.set(idempotencyKey, job.id);
    this.record(job, `job queued: dataset ${request.dataset_uri}, ${request.epochs} epoch(s)`);
    this.settings.logger.info(
      {
        jobId: job.id,
        datasetUri: request.dataset_uri,
        epochs: request.epochs,
        failureInjected: failure !== undefined,
      },
      "job queued",
    );
    this.schedule(job, this.settings.queueMs, () => this.start(job));
    return { kind: "created", job: viewOf(job) };
  }

  view(id: string): JobView | undefined {
    const job = this.jobsById.get(id);
    return job && viewOf(job);
  }

  cancel(id: string): CancelOutcome {
    const job = this.jobsById.get(id);
    if (!job) return { kind: "not-found" };
    if (isTerminalStatus(job.status)) return { kind: "already-final" };
    this.clearTimer(job);
    job.status = "cancelled";
    this.record(job, `job cancelled after ${job.epoch}/${job.request.epochs} epoch(s)`);
    this.settings.logger.info({ jobId: job.id, epoch: job.epoch }, "job cancelled");
    return { kind: "cancelled", job: viewOf(job) };
  }

  /**
   * One page of a job's log. The token is the index of the next line to read; it stays non-empty while
   * the job can still write lines, so a client polling a running job never mistakes a pause for the end.
   */
  logs(id: string, token: string): LogsOutcome {
    const job = this.jobsById.get(id);
    if (!job) return { kind: "not-found" };
    let start = 0;
    if (token !== "") {
      if (!/^\d{1,9}$/.test(token)) return { kind: "bad-token" };
      start = Number(token);
      if (start > job.log.length) return { kind: "bad-token" };
    }
    const lines = job.log.slice(start, start + this.settings.logPageSize).map((line) => ({ ...line }));
    const next = start + lines.length;
    const done = isTerminalStatus(job.status) && next >= job.log.length;
    return { kind: "page", page: { lines, next_token: done ? "" : String(next) } };
  }

  snapshot(): readonly JobSnapshot[] {
    return Object.freeze(
      [...this.jobsById.values()].map((job) =>
        Object.freeze({
          id: job.id,
          status: job.status,
          idempotencyKey: job.idempotencyKey,
          createRequests: job.createRequests,
          datasetUri: job.request.dataset_uri,
          epochs: job.request.epochs,
          epoch: job.epoch,
          results: job.results,
          error: job.error,
          createdAt: job.createdAt.toISOString(),
          logLines: job.log.length,
        }),
      ),
    );
  }

  /** Freezes every job where it is; nothing changes after this. */
  stop(): void {
    this.stopped = true;
    for (const job of this.jobsById.values()) this.clearTimer(job);
  }

  private start(job: TrainingJob): void {
    job.status = "running";
    this.record(job, "job started");
    this.settings.logger.info({ jobId: job.id }, "job running");
    this.schedule(job, this.settings.epochMs, () => this.runEpoch(job));
  }

  private runEpoch(job: TrainingJob): void {
    job.epoch += 1;
    job.loss = round(LOSS_FLOOR + (job.initialLoss - LOSS_FLOOR) * LOSS_DECAY_PER_EPOCH ** job.epoch);
    this.record(job, `epoch ${job.epoch}/${job.request.epochs} loss=${job.loss}`);
    this.settings.logger.debug({ jobId: job.id, epoch: job.epoch, loss: job.loss }, "epoch done");
    if (job.epoch < job.request.epochs) {
      this.schedule(job, this.settings.epochMs, () => this.runEpoch(job));
    } else if (job.failure) {
      this.fail(
        job,
        `training failed at epoch ${job.epoch}/${job.request.epochs}: ${FAILURE_MESSAGES[job.failure]}`,
      );
    } else {
      void this.finish(job);
    }
  }

  private async finish(job: TrainingJob): Promise<void> {
    const file = path.join(this.settings.modelsDir, `${job.id}.model.json`);
    const model = {
      job_id: job.id,
      dataset_uri: job.request.dataset_uri,
      epochs: job.request.epochs,
      final_loss: job.loss,
      trained_at: new Date().toISOString(),
    };
    try {
      await writeFile(file, `${JSON.stringify(model, null, 2)}\n`);
    } catch (error) {
      if (job.status === "running" && !this.stopped) {
        this.fail(job, `could not write the model file: ${(error as Error).message}`);
      }
      return;
    }
    // A DELETE or a shutdown may have come while the file was being written; the job stays as they left it.
    if (job.status !== "running" || this.stopped) return;
    job.status = "finished";
    job.results = pathToFileURL(file).href;
    this.record(job, `job finished: model written to ${job.results}`);
    this.settings.logger.info({ jobId: job.id, results: job.results }, "job finished");
  }

  private fail(job: TrainingJob, message: string): void {
    job.status = "failed";
    job.error = message;
    this.record(job, `job failed: ${message}`);
    this.settings.logger.info({ jobId: job.id, error: message }, "job failed");
  }

  private schedule(job: TrainingJob, delayMs: number, step: () => void): void {
    if (this.stopped) return;
    job.timer = setTimeout(() => {
      job.timer = undefined;
      step();
    }, delayMs);
    // Jobs alone must not keep a process alive: the HTTP server does that while it is open.
    job.timer.unref();
  }

  private clearTimer(job: TrainingJob): void {
    if (job.timer) clearTimeout(job.timer);
    job.timer = undefined;
  }

  private record(job: TrainingJob, message: string): void {
    job.log.push({ timestamp: new Date().toISOString(), message });
  }
}

function viewOf(job: TrainingJob): JobView {
  const view: JobView = { job_id: job.id, status: job.status };
  if (job.results !== undefined) view.results = job.results;
  if (job.error !== undefined) view.error = job.error;
  if (job.loss !== undefined)
    view.progress = { epoch: job.epoch, epochs: job.request.epochs, loss: job.loss };
  return view;
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
