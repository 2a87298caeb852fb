import { TaskExecution_Phase } from "./gen/flyteidl2/core/execution.enums";

/**
 * The phases a connector reports, as flyteidl2 numbers them. `UNDEFINED` is a system error: a connector
 * never returns it (the server refuses to send it).
 */
export { TaskExecution_Phase as TaskExecutionPhase };
type TaskExecutionPhase = TaskExecution_Phase;

const TERMINAL = new Set<TaskExecutionPhase>([
  TaskExecution_Phase.SUCCEEDED,
  TaskExecution_Phase.FAILED,
  TaskExecution_Phase.ABORTED,
  TaskExecution_Phase.RETRYABLE_FAILED,
]);

/** True once the backend stops polling: SUCCEEDED, FAILED, ABORTED or RETRYABLE_FAILED. */
export function isTerminal(phase: TaskExecutionPhase): boolean {
  return TERMINAL.has(phase);
}

/** Every phase a connector may return (all but UNDEFINED and UNRECOGNIZED). */
export function isValidPhase(phase: unknown): phase is TaskExecutionPhase {
  return (
    typeof phase === "number" &&
    phase !== TaskExecution_Phase.UNDEFINED &&
    phase !== TaskExecution_Phase.UNRECOGNIZED &&
    TaskExecution_Phase[phase] !== undefined
  );
}

/** The phase's name, for logs and messages ("SUCCEEDED"). */
export function phaseName(phase: TaskExecutionPhase): string {
  return TaskExecution_Phase[phase] ?? `UNKNOWN(${phase})`;
}

// Common external-system states, lower-cased with separators folded to "_". The Python SDK's mapping, widened.
const STATES: Record<string, TaskExecutionPhase> = {
  pending: TaskExecution_Phase.INITIALIZING,
  initializing: TaskExecution_Phase.INITIALIZING,
  starting: TaskExecution_Phase.INITIALIZING,
  provisioning: TaskExecution_Phase.INITIALIZING,
  created: TaskExecution_Phase.QUEUED,
  submitted: TaskExecution_Phase.QUEUED,
  queued: TaskExecution_Phase.QUEUED,
  waiting: TaskExecution_Phase.WAITING_FOR_RESOURCES,
  waiting_for_resources: TaskExecution_Phase.WAITING_FOR_RESOURCES,
  running: TaskExecution_Phase.RUNNING,
  active: TaskExecution_Phase.RUNNING,
  in_progress: TaskExecution_Phase.RUNNING,
  terminating: TaskExecution_Phase.RUNNING,
  done: TaskExecution_Phase.SUCCEEDED,
  succeeded: TaskExecution_Phase.SUCCEEDED,
  success: TaskExecution_Phase.SUCCEEDED,
  successful: TaskExecution_Phase.SUCCEEDED,
  completed: TaskExecution_Phase.SUCCEEDED,
  complete: TaskExecution_Phase.SUCCEEDED,
  finished: TaskExecution_Phase.SUCCEEDED,
  failed: TaskExecution_Phase.FAILED,
  failure: TaskExecution_Phase.FAILED,
  error: TaskExecution_Phase.FAILED,
  rejected: TaskExecution_Phase.FAILED,
  timeout: TaskExecution_Phase.FAILED,
  timed_out: TaskExecution_Phase.FAILED,
  internal_error: TaskExecution_Phase.RETRYABLE_FAILED,
  cancelled: TaskExecution_Phase.ABORTED,
  canceled: TaskExecution_Phase.ABORTED,
  cancelling: TaskExecution_Phase.ABORTED,
  aborted: TaskExecution_Phase.ABORTED,
  killed: TaskExecution_Phase.ABORTED,
  terminated: TaskExecution_Phase.ABORTED,
  skipped: TaskExecution_Phase.ABORTED,
};

/**
 * Maps an external system's state name to a phase, case- and separator-insensitively
 * (`"IN_PROGRESS"`, `"in-progress"` and `"In Progress"` are the same). Unknown states throw, so a new
 * state never silently becomes a wrong phase.
 */
export function phaseFromState(state: string): TaskExecutionPhase {
  const key = state.trim().toLowerCase().replace(/[\s-]+/g, "_");
  const phase = STATES[key];
  if (phase === undefined) throw new RangeError(`unknown external state "${state}"`);
  return phase;
}
