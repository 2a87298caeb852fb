import { TaskExecutionPhase as Phase } from "@flyte-connectors/runtime";

/**
 * Phases for the Jobs API's run states. While `life_cycle_state` is TERMINATED the phase comes from
 * `result_state`; otherwise from the life-cycle state. Widened from the Python connector (which knows
 * only PENDING, RUNNING, TERMINATING, INTERNAL_ERROR, SKIPPED and five result states, and sends
 * UNDEFINED for the rest): every documented state has a phase here, and an unknown one is a
 * non-terminal phase with a message, never UNDEFINED.
 */
export const LIFE_CYCLE_PHASES: Readonly<Record<string, Phase>> = {
  PENDING: Phase.INITIALIZING, // the cluster is being set up
  QUEUED: Phase.QUEUED, // waiting for a slot (queueing enabled)
  BLOCKED: Phase.WAITING_FOR_RESOURCES, // blocked on an upstream dependency or a concurrency limit
  WAITING_FOR_RETRY: Phase.WAITING_FOR_RESOURCES,
  RUNNING: Phase.RUNNING,
  TERMINATING: Phase.RUNNING, // finishing; the result is not known yet
  SKIPPED: Phase.FAILED, // never ran (e.g. another run of the job was active), as the Python connector says
  INTERNAL_ERROR: Phase.RETRYABLE_FAILED, // Databricks' own failure (lost cluster): worth another attempt
};

export const RESULT_PHASES: Readonly<Record<string, Phase>> = {
  SUCCESS: Phase.SUCCEEDED,
  SUCCESS_WITH_FAILURES: Phase.SUCCEEDED, // the run succeeded; some non-leaf tasks failed
  FAILED: Phase.FAILED,
  TIMEDOUT: Phase.FAILED,
  CANCELED: Phase.ABORTED, // cancelled by a person or by our delete
  CANCELLED: Phase.ABORTED,
  MAXIMUM_CONCURRENT_RUNS_REACHED: Phase.RETRYABLE_FAILED, // capacity, not the task: a new attempt may run
  EXCLUDED: Phase.FAILED, // did not run: its run-if condition excluded it
  UPSTREAM_FAILED: Phase.FAILED,
  UPSTREAM_CANCELED: Phase.ABORTED,
  DISABLED: Phase.FAILED,
};

export interface RunStateView {
  life_cycle_state?: string;
  result_state?: string;
  state_message?: string;
}

/** The phase and message for a run's `state`; `undefined` state means Databricks did not say. */
export function phaseOfState(state: RunStateView | undefined): { phase: Phase; message: string } {
  const message = state?.state_message?.trim();
  const life = state?.life_cycle_state?.toUpperCase();
  if (!life) {
    return { phase: Phase.RUNNING, message: "the run has no state yet; will check again" };
  }
  if (life === "TERMINATED") {
    const result = state?.result_state?.toUpperCase();
    if (!result) {
      return { phase: Phase.RUNNING, message: message || "the run terminated; its result is not known yet" };
    }
    const phase = RESULT_PHASES[result];
    if (phase === undefined) {
      return {
        phase: Phase.RUNNING,
        message: `unknown result state ${result}${message ? `: ${message}` : ""}; will check again`,
      };
    }
    return {
      phase,
      message: phase === Phase.SUCCEEDED && !message ? result : message ? `${result}: ${message}` : result,
    };
  }
  const phase = LIFE_CYCLE_PHASES[life];
  if (phase === undefined) {
    return {
      phase: Phase.RUNNING,
      message: `unknown life-cycle state ${life}${message ? `: ${message}` : ""}; will check again`,
    };
  }
  return { phase, message: message ? `${life}: ${message}` : life };
}
