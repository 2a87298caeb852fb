import type { Logger } from "pino";
import type {
  CallContext,
  CreateContext,
  TaskCategory,
  TaskExecutionMetadata,
  TaskTemplateSpec,
} from "../connector";
import type { Connection } from "../gen/flyteidl2/core/security";
import { SecretStore, type ActiveSecrets, type SecretSourceOptions } from "../secrets";
import type { CallScope } from "./call-scope";

const NO_CONFIGS: Readonly<Record<string, string>> = Object.freeze({});
const NO_SECRETS: Readonly<Record<string, string>> = Object.freeze({});

/** Where a call's `SecretStore` looks past the connection, and the registry of secrets in use. */
export interface SecretSetup {
  sources: SecretSourceOptions;
  active: ActiveSecrets | undefined;
}

/**
 * The context a connector method gets. What most calls never use is made on first use: the logger, the
 * signal (in the scope), the secret store. Everything else is fixed when the call starts.
 */
export class Context implements CallContext {
  readonly #scope: CallScope;
  readonly #connection: Connection | undefined;
  readonly #secretSetup: SecretSetup;
  readonly #baseLogger: Logger;
  #secrets: SecretStore | undefined;
  #logger: Logger | undefined;
  #jobId: string | undefined;
  readonly #idempotencyKey: string | undefined;

  constructor(
    readonly taskCategory: TaskCategory,
    connection: Connection | undefined,
    secretSetup: SecretSetup,
    scope: CallScope,
    /** The logger of every call of this task type and operation; this call's binds its own fields on it. */
    logger: Logger,
    idempotencyKey?: string,
  ) {
    this.#connection = connection;
    this.#secretSetup = secretSetup;
    this.#scope = scope;
    this.#baseLogger = logger;
    this.#idempotencyKey = idempotencyKey;
  }

  get secrets(): SecretStore {
    // Registered for scrubbing only once it holds a value (see SecretStore): most calls carry none.
    return (this.#secrets ??= new SecretStore(
      this.#connection?.secrets ?? NO_SECRETS,
      this.#secretSetup.sources,
      this.#secretSetup.active,
    ));
  }

  get configs(): Readonly<Record<string, string>> {
    return this.#connection?.configs ?? NO_CONFIGS;
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
      const jobId = this.#jobId;
      const key = this.#idempotencyKey;
      this.#logger =
        jobId === undefined && key === undefined
          ? this.#baseLogger
          : this.#baseLogger.child(
              jobId === undefined
                ? { idempotencyKey: key }
                : key === undefined
                  ? { jobId }
                  : { idempotencyKey: key, jobId },
            );
    }
    return this.#logger;
  }

  /** The job this call is about, for its log lines; the pipeline sets it before the connector runs. */
  set jobId(jobId: string | undefined) {
    this.#jobId = jobId;
    this.#logger = undefined;
  }

  /** Whether this call's logger would write at `level`, without making the logger. */
  logs(level: "debug" | "info"): boolean {
    return this.#baseLogger.isLevelEnabled(level);
  }

  /** The secret values to remove from what the client sees, or undefined when the call has none. */
  secretValues(): string[] | undefined {
    if (this.#secrets) return this.#secrets.empty ? undefined : this.#secrets.values();
    const secrets = this.#connection?.secrets;
    if (!secrets) return undefined;
    let values: string[] | undefined;
    for (const key in secrets) if (secrets[key] !== "") (values ??= []).push(secrets[key]);
    return values;
  }

  /** The call has ended: its secrets are no longer in use. */
  end(): void {
    this.#secrets?.release();
  }
}

/** The context of `create`: the call's context plus the task. */
export class CreateCallContext extends Context implements CreateContext {
  constructor(
    taskCategory: TaskCategory,
    connection: Connection | undefined,
    secretSetup: SecretSetup,
    scope: CallScope,
    logger: Logger,
    readonly taskTemplate: TaskTemplateSpec,
    readonly inputs: Readonly<Record<string, unknown>>,
    readonly outputPrefix: string,
    readonly taskExecutionMetadata: TaskExecutionMetadata | undefined,
    readonly idempotencyKey: string,
  ) {
    super(taskCategory, connection, secretSetup, scope, logger, idempotencyKey);
  }
}
