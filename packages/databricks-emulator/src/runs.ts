/**
 * The emulator's runs: one-time runs made by `runs/submit`, stepped one state per `runs/get` poll, never by
 * the wall clock, so tests see the same states in the same order every time.
 */

/** How a run ends once it has gone PENDING → RUNNING. */
export const OUTCOMES = ["success", "failure", "timeout", "internal_error"] as const;
export type RunOutcome = (typeof OUTCOMES)[number];

/** The `state` object of the Jobs API (`RunState`). */
export interface RunState {
  life_cycle_state: string;
  result_state?: string;
  state_message: string;
  user_cancelled_or_timedout: boolean;
}

/** A run as the emulator keeps it. */
export interface Run {
  run_id: number;
  job_id: number;
  run_name: string;
  /** The submit body as received (the run's settings). */
  settings: Record<string, unknown>;
  idempotency_token?: string;
  outcome: RunOutcome;
  /** The states the run goes through; `step` is the current one. */
  states: RunState[];
  step: number;
  /** Set by `setRunState`: answered instead of the stepped state, and the run stops stepping. */
  pinned?: { state: Record<string, unknown> | null };
  /** Set by `setRunAnswer`: the raw body of `runs/get` for this run. */
  rawAnswer?: { body: unknown };
  start_time: number;
  end_time?: number;
}

const state = (life: string, message: string, result?: string): RunState => ({
  life_cycle_state: life,
  ...(result ? { result_state: result } : {}),
  state_message: message,
  user_cancelled_or_timedout: result === "CANCELED" || result === "TIMEDOUT",
});

/** The last state of a run that ends with `outcome`. */
function finalState(outcome: RunOutcome): RunState {
  switch (outcome) {
    case "success":
      return state("TERMINATED", "", "SUCCESS");
    case "failure":
      return state("TERMINATED", "Workload failed, see run output for details", "FAILED");
    case "timeout":
      return state("TERMINATED", "Run timed out after the configured timeout_seconds", "TIMEDOUT");
    case "internal_error":
      return state("INTERNAL_ERROR", "Cluster terminated unexpectedly (injected by the emulator)", "FAILED");
  }
}

/** The states a new run goes through, one per poll. */
export function plannedStates(outcome: RunOutcome): RunState[] {
  return [state("PENDING", "Waiting for cluster"), state("RUNNING", "In run"), finalState(outcome)];
}

export const TERMINAL_LIFE_CYCLES = new Set(["TERMINATED", "SKIPPED", "INTERNAL_ERROR"]);

export function currentState(run: Run): RunState {
  return run.states[run.step];
}

export function isFinished(run: Run): boolean {
  return TERMINAL_LIFE_CYCLES.has(currentState(run).life_cycle_state);
}

/** Moves the run one state on (a poll); finished runs stay where they are. */
export function advance(run: Run, now: number): void {
  if (run.pinned || run.step >= run.states.length - 1) return;
  run.step += 1;
  if (isFinished(run)) run.end_time = now;
}

/** Cancels a run that has not finished: it ends TERMINATED / CANCELED at once. */
export function cancel(run: Run, now: number): void {
  if (isFinished(run)) return;
  run.states = [...run.states.slice(0, run.step + 1), state("TERMINATED", "Run cancelled.", "CANCELED")];
  run.step = run.states.length - 1;
  run.end_time = now;
}

/** The task of a submit body, whichever kind it is: `["notebook_task", {...}]`. */
export const TASK_KINDS = [
  "notebook_task",
  "spark_python_task",
  "spark_jar_task",
  "spark_submit_task",
  "python_wheel_task",
  "sql_task",
  "pipeline_task",
  "run_job_task",
] as const;

/**
 * The outcome a submit body asks for: a parameter `emulator_result` — a key of `notebook_task.base_parameters`,
 * `sql_task.parameters` or `python_wheel_task.named_parameters`, or an item `emulator_result=<outcome>`
 * (optionally with leading dashes) of a task's `parameters` list.
 */
export function requestedOutcome(body: Record<string, unknown>): string | undefined {
  for (const kind of TASK_KINDS) {
    const task = body[kind];
    if (!task || typeof task !== "object") continue;
    const t = task as Record<string, unknown>;
    for (const map of [t.base_parameters, t.named_parameters, t.parameters]) {
      if (map && typeof map === "object" && !Array.isArray(map)) {
        const value = (map as Record<string, unknown>).emulator_result;
        if (value !== undefined) return String(value);
      }
    }
    if (Array.isArray(t.parameters)) {
      for (const item of t.parameters) {
        const m = /^-*emulator_result=(.*)$/.exec(String(item));
        if (m) return m[1];
      }
    }
  }
  return undefined;
}

/** The run's output (`runs/get-output`): log lines so far, and an error with a trace for failed runs. */
export function runOutput(run: Run): { logs: string; error?: string; error_trace?: string } {
  const lines = [`[emulator] run ${run.run_id} (${run.run_name}) submitted`];
  for (let i = 1; i <= run.step; i++) {
    const s = run.states[i];
    lines.push(
      `[emulator] ${s.life_cycle_state}${s.result_state ? ` ${s.result_state}` : ""}${s.state_message ? `: ${s.state_message}` : ""}`,
    );
    if (s.life_cycle_state === "RUNNING") {
      for (let n = 1; n <= 3; n++) lines.push(`working: step ${n} of 3`);
    }
  }
  const last = currentState(run);
  if (last.result_state === "FAILED" || last.life_cycle_state === "INTERNAL_ERROR") {
    return {
      logs: lines.join("\n"),
      error: "ValueError: the emulated workload failed as scripted",
      error_trace: [
        "Traceback (most recent call last):",
        '  File "/databricks/driver/entrypoint.py", line 12, in <module>',
        "    main()",
        '  File "/databricks/driver/entrypoint.py", line 9, in main',
        '    raise ValueError("the emulated workload failed as scripted")',
        "ValueError: the emulated workload failed as scripted",
      ].join("\n"),
    };
  }
  return { logs: lines.join("\n") };
}
