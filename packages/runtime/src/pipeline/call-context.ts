import type { Logger } from "pino";
import type {
  CallContext,
  CreateContext,
  TaskCategory,
  TaskExecutionMetadata,
  TaskTemplateSpec,
} from "../connector";
import type { SecretStore } from "../secrets";
import type { CallScope } from "./call-scope";

const NO_CONFIGS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * The context a connector method gets. Its logger is made on first use (most calls never log), its
 * signal on first read (most calls never need one); everything else is fixed when the call starts.
 */
export class Context implements CallContext {
  readonly #scope: CallScope;
  readonly #baseLogger: Logger;
  #bindings: Record<string, unknown> | undefined;
  #logger: Logger | undefined;

  constructor(
    readonly taskCategory: TaskCategory,
    readonly secrets: SecretStore,
    readonly configs: Readonly<Record<string, string>> = NO_CONFIGS,
    scope: CallScope,
    /** The logger of every call of this task type and operation; this call's binds its own fields on it. */
    logger: Logger,
    bindings?: Record<string, unknown>,
  ) {
    this.#scope = scope;
    this.#baseLogger = logger;
    this.#bindings = bindings;
  }

  get signal(): AbortSignal {
    return this.#scope.signal;
  }

  get deadline(): number | undefined {
    return this.#scope.deadline;
  }

  beforeDeadline(marginMs?: number): AbortSignal {
    return this.#scope.beforeDeadline(marginMs);
  }

  timeLeft(marginMs?: number): number {
    return this.#scope.timeLeft(marginMs);
  }

  get logger(): Logger {
    if (!this.#logger) {
      const bindings = this.#bindings && definedOnly(this.#bindings);
      this.#logger = bindings ? this.#baseLogger.child(bindings) : this.#baseLogger;
    }
    return this.#logger;
  }

  /** Adds fields (job id, ...) to this call's log lines; the pipeline binds before the connector runs. */
  bind(fields: Record<string, unknown>): void {
    this.#logger = undefined;
    this.#bindings = this.#bindings ? Object.assign(this.#bindings, fields) : fields;
  }

  /** Whether this call's logger would write at `level`, without making the logger. */
  logs(level: "debug" | "info"): boolean {
    return this.#baseLogger.isLevelEnabled(level);
  }
}

/** The context of `create`: the call's context plus the task. */
export class CreateCallContext extends Context implements CreateContext {
  constructor(
    taskCategory: TaskCategory,
    secrets: SecretStore,
    configs: Readonly<Record<string, string>> | undefined,
    scope: CallScope,
    logger: Logger,
    readonly taskTemplate: TaskTemplateSpec,
    readonly inputs: Readonly<Record<string, unknown>>,
    readonly outputPrefix: string,
    readonly taskExecutionMetadata: TaskExecutionMetadata | undefined,
    readonly idempotencyKey: string,
  ) {
    super(taskCategory, secrets, configs, scope, logger, { idempotencyKey });
  }
}

/** The fields that have a value; undefined when none has. */
function definedOnly(fields: Record<string, unknown>): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const key in fields) if (fields[key] !== undefined) (out ??= {})[key] = fields[key];
  return out;
}
