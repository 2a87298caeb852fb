import pino, { type Logger } from "pino";
import type { Resource } from "../gen/flyteidl2/connector/connector";
import { phaseName, type TaskExecutionPhase } from "../phase";
import { scrubSecrets } from "../secrets";

const LEVEL_LABELS: Record<number, string> = {
  10: "trace",
  20: "debug",
  40: "warn",
  50: "error",
  60: "fatal",
};

/**
 * The executor's default logger: on a terminal, one readable line per event
 * (`  +1.2s model_train RUNNING — epoch 1/3`); elsewhere (CI, pipes, files) pino's JSON lines. Both go to
 * `stream` (default stderr, so a script's stdout stays its own).
 */
export function createExecutionLogger(
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
): Logger {
  if (!stream.isTTY) return pino({ base: undefined }, stream);
  const created = Date.now();
  return pino({ base: undefined }, { write: (line: string) => stream.write(prettyLine(line, created)) });
}

/** One JSON log line as text. Fields the executor sets (`task`, `elapsedMs`, `message`, `err`) get a place; the rest become `k=v`. */
function prettyLine(line: string, created: number): string {
  const {
    level,
    time: _time,
    msg,
    task,
    elapsedMs,
    message,
    err,
    ...rest
  } = JSON.parse(line) as Record<string, unknown>;
  const elapsed = typeof elapsedMs === "number" ? elapsedMs : Date.now() - created;
  const label = LEVEL_LABELS[level as number];
  const extra = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  const errText = err && typeof err === "object" ? (err as { message?: string }).message : undefined;
  return (
    `${`+${(elapsed / 1000).toFixed(1)}s`.padStart(7)} ${task ? `${String(task)} ` : ""}${label ? `${label}: ` : ""}${String(msg ?? "")}` +
    `${message ? ` — ${String(message)}` : ""}${errText ? ` — ${errText}` : ""}${extra.length ? `  ${extra.join(" ")}` : ""}\n`
  );
}

/**
 * What one execution reports: each phase change once, each message change once, each log link once, with
 * the time since `execute()` started. Secret values are scrubbed from connector messages before logging.
 *
 * Records (`msg`): `created`, the phase name (`RUNNING`, ...), `progress` (same phase, new message),
 * `log link: <name>`, `poll failed`, `retrying`, `deleting the job`, `job deleted`, `could not delete the job`.
 */
export class Progress {
  readonly #started = Date.now();
  readonly #links = new Set<string>();
  #phase: TaskExecutionPhase | undefined;
  #message: string | undefined;

  constructor(
    readonly logger: Logger,
    private readonly secrets: string[],
  ) {}

  info(fields: Record<string, unknown>, msg: string): void {
    this.logger.info({ ...fields, elapsedMs: this.elapsedMs() }, msg);
  }

  warn(fields: Record<string, unknown>, msg: string): void {
    this.logger.warn({ ...fields, elapsedMs: this.elapsedMs() }, msg);
  }

  error(fields: Record<string, unknown>, msg: string): void {
    this.logger.error({ ...fields, elapsedMs: this.elapsedMs() }, msg);
  }

  elapsedMs(): number {
    return Date.now() - this.#started;
  }

  scrub(text: string): string {
    return this.secrets.length ? scrubSecrets(text, this.secrets) : text;
  }

  /** A new attempt means a new job: its phases are news again. */
  created(attempt: number): void {
    this.#phase = undefined;
    this.#message = undefined;
    this.info({ attempt }, "created");
  }

  resource(resource: Resource): void {
    const message = resource.message ? this.scrub(resource.message) : undefined;
    if (resource.phase !== this.#phase) {
      this.info({ message }, phaseName(resource.phase));
    } else if (message !== this.#message && message) {
      this.info({ message }, "progress");
    }
    this.#phase = resource.phase;
    this.#message = message;
    for (const link of resource.logLinks) {
      const key = `${link.name}\n${link.uri}`;
      if (this.#links.has(key)) continue;
      this.#links.add(key);
      this.info({ uri: link.uri }, `log link: ${link.name}`);
    }
  }
}
