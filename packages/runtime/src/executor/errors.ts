import { phaseName, type TaskExecutionPhase } from "../phase";

/** The task ended FAILED or ABORTED, or RETRYABLE_FAILED with no retries left. */
export class TaskFailedError extends Error {
  override readonly name = "TaskFailedError";

  constructor(
    readonly task: string,
    readonly phase: TaskExecutionPhase,
    readonly reason: string,
    /** Attempts made (1 for a task that failed on its first). */
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(`task "${task}" ended ${phaseName(phase)} after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${reason || "no message"}`, options);
  }
}

/** Why an execution stopped before the task finished. */
export type StopReason = "aborted" | "timeout" | "interrupted";

/**
 * The execution was stopped — by `options.signal`, by `options.timeoutMs`, or by Ctrl-C — and the job was
 * deleted (`deleted` says whether the delete succeeded).
 */
export class TaskAbortedError extends Error {
  override readonly name: string = "TaskAbortedError";

  constructor(
    readonly task: string,
    readonly reason: StopReason,
    readonly deleted: boolean,
    options?: { cause?: unknown },
  ) {
    super(
      `task "${task}" was ${reason === "timeout" ? "stopped by its timeout" : reason === "interrupted" ? "interrupted" : "aborted"}` +
        (deleted ? "; its job was deleted" : "; deleting its job failed"),
      options,
    );
  }
}
