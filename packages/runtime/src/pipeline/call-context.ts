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

/** What a context needs to make its logger when first asked. */
export interface LoggerSource {
  /** The logger of every call of this task type and operation. */
  readonly base: Logger;
  /** Fields of this call only (job id, idempotency key). */
  readonly bindings: Record<string, unknown>;
}

/**
 * The context a connector method gets. Its logger is made on first use (most calls never log), its
 * signal on first read (most calls never need one); everything else is fixed when the call starts.
 */
export class Context implements CallContext {
  readonly #scope: CallScope;
  #logger: Logger | undefined;
  #loggerSource: LoggerSource;

  constructor(
    readonly taskCategory: TaskCategory,
    readonly secrets: SecretStore,
    readonly configs: Readonly<Record<string, string>> = NO_CONFIGS,
    scope: CallScope,
    loggerSource: LoggerSource,
  ) {
    this.#scope = scope;
    this.#loggerSource = loggerSource;
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
      const { base, bindings } = this.#loggerSource;
      this.#logger = hasDefined(bindings) ? base.child(definedOnly(bindings)) : base;
    }
    return this.#logger;
  }

  /** Adds fields to this call's log lines; applies to a logger made after (the pipeline binds before use). */
  bind(fields: Record<string, unknown>): void {
    this.#logger = undefined;
    this.#loggerSource = {
      base: this.#loggerSource.base,
      bindings: { ...this.#loggerSource.bindings, ...fields },
    };
  }

  /** Whether this call's logger would write at `level`, without making the logger. */
  logs(level: "debug" | "info"): boolean {
    return this.#loggerSource.base.isLevelEnabled(level);
  }
}

/** The context of `create`: the call's context plus the task. */
export class CreateCallContext extends Context implements CreateContext {
  constructor(
    taskCategory: TaskCategory,
    secrets: SecretStore,
    configs: Readonly<Record<string, string>> | undefined,
    scope: CallScope,
    loggerSource: LoggerSource,
    readonly taskTemplate: TaskTemplateSpec,
    readonly inputs: Readonly<Record<string, unknown>>,
    readonly outputPrefix: string,
    readonly taskExecutionMetadata: TaskExecutionMetadata | undefined,
    readonly idempotencyKey: string,
  ) {
    super(taskCategory, secrets, configs, scope, loggerSource);
  }
}

function hasDefined(fields: Record<string, unknown>): boolean {
  for (const key in fields) if (fields[key] !== undefined) return true;
  return false;
}

function definedOnly(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in fields) if (fields[key] !== undefined) out[key] = fields[key];
  return out;
}
