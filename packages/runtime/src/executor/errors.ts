import { phaseName, type TaskExecutionPhase } from "../phase";

/**
 * The task's job ended FAILED or ABORTED, or RETRYABLE_FAILED with no retries left. Not a
 * `ConnectorError`: every call succeeded; the job itself failed.
 */
export class TaskFailedError extends Error {
  override readonly name = "TaskFailedError";

  constructor(
    /** The task's name. */
    readonly task: string,
    /** The last attempt's terminal phase. */
    readonly phase: TaskExecutionPhase,
    /** The connector's message for that phase (the external system's error), or "". */
    readonly reason: string,
    /** Attempts made: 1 for a task that failed on its first. */
    readonly attempts: number,
  ) {
    super(
      `task "${task}" ended ${phaseName(phase)} after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${reason || "no message"}`,
    );
  }
}

/** Why an execution stopped before its job finished. */
export type StopReason = "aborted" | "timeout" | "interrupted";

/**
 * The execution was stopped before its job finished: `options.signal` fired (`reason` "aborted") or
 * Ctrl-C was pressed ("interrupted"). The job was deleted first — `deleted` says whether that worked.
 * Timeouts reject with the subclass `TaskTimeoutError`.
 */
export class TaskAbortedError extends Error {
  override readonly name: string = "TaskAbortedError";

  constructor(
    readonly task: string,
    readonly reason: StopReason,
    /** True when the job was deleted (or none had been created yet); false when delete failed. */
    readonly deleted: boolean,
    options?: { cause?: unknown },
  ) {
    const what =
      reason === "timeout" ? "timed out" : reason === "interrupted" ? "was interrupted" : "was aborted";
    super(
      `task "${task}" ${what}; ${deleted ? "its job was deleted" : "deleting its job failed, so it may still be running"}`,
      options,
    );
  }
}

/** The execution's timeout (`options.timeout`, else the task's) passed; the job was deleted first. */
export class TaskTimeoutError extends TaskAbortedError {
  override readonly name: string = "TaskTimeoutError";

  constructor(
    task: string,
    deleted: boolean,
    /** The timeout that passed, in ms. */
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(task, "timeout", deleted, options);
    this.message = `${this.message} (after ${timeoutMs} ms)`;
  }
}
