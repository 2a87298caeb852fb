import pino, { type Logger } from "pino";
import type { Resource } from "../gen/flyteidl2/connector/connector";
import { phaseName, type TaskExecutionPhase } from "../phase";
import { scrubSecrets } from "../secrets";

interface EventBase {
  /** The task's name. */
  task: string;
  /** Milliseconds since `execute()` started, by the execution's clock. */
  elapsedMs: number;
}

/**
 * What an execution reports, in order: each attempt's create, each phase change once, each message change
 * within a phase once, each log link once, poll failures, retries, deletes and warnings. Connector
 * messages arrive with secret values removed.
 */
export type ExecutionEvent = EventBase &
  (
    | { type: "created"; attempt: number }
    | { type: "phase"; phase: TaskExecutionPhase; phaseName: string; message?: string }
    | { type: "progress"; phase: TaskExecutionPhase; phaseName: string; message: string }
    | { type: "log-link"; name: string; uri: string }
    | { type: "poll-failed"; failures: number; message: string }
    | { type: "retrying"; attempt: number; message?: string }
    | { type: "deleting" }
    | { type: "deleted" }
    | { type: "delete-failed"; message: string }
    | { type: "interrupted" }
    | { type: "warning"; message: string; details?: Record<string, unknown> }
  );

/** An event's own fields, without what every event has. */
type EventBody = ExecutionEvent extends infer E
  ? E extends ExecutionEvent
    ? Omit<E, keyof EventBase>
    : never
  : never;

/**
 * The executor's time: what events' `elapsedMs` are measured with and how it waits between polls. Tests
 * inject a clock whose `sleep` advances virtual time at once, so a run is fast and its output exact.
 */
export interface Clock {
  /** Milliseconds; only differences matter. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Turns what an execution sees into `ExecutionEvent`s, for `onEvent` and for the log. Phases, messages
 * and links are reported when they change, not on every poll.
 */
export class Progress {
  readonly #started: number;
  readonly #links = new Set<string>();
  #phase: TaskExecutionPhase | undefined;
  #message: string | undefined;

  constructor(
    private readonly task: string,
    private readonly logger: Logger,
    private readonly secrets: string[],
    private readonly clock: Clock,
    private readonly listener?: (event: ExecutionEvent) => void,
  ) {
    this.#started = clock.now();
  }

  emit(body: EventBody): void {
    const event = {
      ...body,
      task: this.task,
      elapsedMs: Math.max(0, Math.round(this.clock.now() - this.#started)),
    } as ExecutionEvent;
    logEvent(this.logger, event);
    this.listener?.(event);
  }

  scrub(text: string): string {
    return this.secrets.length ? scrubSecrets(text, this.secrets) : text;
  }

  /** A new attempt means a new job: its phases are news again. */
  created(attempt: number): void {
    this.#phase = undefined;
    this.#message = undefined;
    this.emit({ type: "created", attempt });
  }

  resource(resource: Resource): void {
    const message = resource.message ? this.scrub(resource.message) : undefined;
    const name = phaseName(resource.phase);
    if (resource.phase !== this.#phase) {
      this.emit({ type: "phase", phase: resource.phase, phaseName: name, message });
    } else if (message !== this.#message && message) {
      this.emit({ type: "progress", phase: resource.phase, phaseName: name, message });
    }
    this.#phase = resource.phase;
    this.#message = message;
    for (const link of resource.logLinks) {
      const key = `${link.name}\n${link.uri}`;
      if (this.#links.has(key)) continue;
      this.#links.add(key);
      this.emit({ type: "log-link", name: link.name, uri: link.uri });
    }
  }
}

/** Each event as one log record: `msg` says what happened, the fields carry the rest. */
function logEvent(logger: Logger, event: ExecutionEvent): void {
  const { task: _task, elapsedMs, type: _type, ...rest } = event;
  const base = { elapsedMs };
  switch (event.type) {
    case "created":
      return logger.info({ ...base, attempt: event.attempt }, "created");
    case "phase":
      return logger.info({ ...base, message: event.message }, event.phaseName);
    case "progress":
      return logger.info({ ...base, message: event.message }, "progress");
    case "log-link":
      return logger.info({ ...base, uri: event.uri }, `log link: ${event.name}`);
    case "poll-failed":
      return logger.warn({ ...base, failures: event.failures, message: event.message }, "poll failed");
    case "retrying":
      return logger.warn({ ...base, attempt: event.attempt, message: event.message }, "retrying");
    case "deleting":
      return logger.info(base, "deleting the job");
    case "deleted":
      return logger.info(base, "job deleted");
    case "delete-failed":
      return logger.error({ ...base, message: event.message }, "could not delete the job");
    case "interrupted":
      return logger.warn(base, "interrupted: deleting the job (Ctrl-C again exits now)");
    case "warning":
      return logger.warn({ ...base, ...event.details }, event.message);
    default:
      return logger.info({ ...base, ...rest }, "event");
  }
}

/**
 * The executor's default logger: on a terminal, one readable line per event through pino-pretty
 * (`  +1.2s model_train RUNNING — epoch 1/3`); elsewhere (CI, pipes, files) pino's JSON lines. Both go
 * to `stream` (default stderr, so a script's stdout stays its own).
 */
export function createExecutionLogger(
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
): Logger {
  if (!stream.isTTY) return pino({ base: undefined }, stream);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pinoPretty = require("pino-pretty") as typeof import("pino-pretty");
  const created = Date.now();
  const pretty = pinoPretty.build({
    destination: stream,
    sync: true,
    colorize: false,
    hideObject: true,
    ignore: "level,time,pid,hostname",
    messageFormat: (log, messageKey) => terminalLine(log, messageKey, created),
  });
  return pino({ base: undefined }, pretty);
}

/** One record as a terminal line: elapsed time, task, level (unless info), message, then `k=v` fields. */
function terminalLine(log: Record<string, unknown>, messageKey: string, created: number): string {
  const { task, elapsedMs, message, err, level: levelNumber, time, [messageKey]: msg, ...rest } = log;
  // Events carry their own elapsed time; other lines (a connector's, in process) are placed by their timestamp.
  const ms =
    typeof elapsedMs === "number" ? elapsedMs : typeof time === "number" ? Math.max(0, time - created) : 0;
  const elapsed = `+${(ms / 1000).toFixed(1)}s`.padStart(7);
  const levelName = pino.levels.labels[levelNumber as number];
  const level = levelName && levelName !== "info" ? `${levelName}: ` : "";
  const errText = err && typeof err === "object" ? (err as { message?: string }).message : undefined;
  const extra = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  return (
    `${elapsed} ${task ? `${String(task)} ` : ""}${level}${String(msg ?? "")}` +
    `${message ? ` — ${String(message)}` : ""}${errText ? ` — ${errText}` : ""}${extra.length ? `  ${extra.join(" ")}` : ""}`
  );
}
