import { ConfigurationError } from "../errors";
import { ResourceType } from "../gen/flyteidl2/core/identifier.enums";
import type { TaskTemplate as TaskTemplateProto } from "../gen/flyteidl2/core/tasks";
import { RuntimeMetadata_RuntimeType, Sql_Dialect } from "../gen/flyteidl2/core/tasks.enums";
import { Duration } from "../literals/values";
import { RUNTIME_VERSION } from "../version";
import { interfaceToProto, type TypeShape } from "./types";

type Generated = typeof import("../gen/flyteidl2/core/tasks");

/**
 * The TaskTemplate codec, loaded when the first template is built: task classes are defined as their
 * module loads, and the authoring API stays light without the codecs (and every message they import).
 */
function templateCodec(): Generated["TaskTemplate"] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require("../gen/flyteidl2/core/tasks") as Generated).TaskTemplate;
}

/** A task's typed interface: input and output names with their type tokens. */
export interface TaskInterface<I extends TypeShape = TypeShape, O extends TypeShape = TypeShape> {
  inputs: I;
  outputs: O;
}

/** Where a template is being serialised for; hooks may use it (BigQuery writes the domain). */
export interface SerializationContext {
  project: string;
  domain: string;
  version: string;
}

export interface TaskTemplateOptions<I extends TypeShape = TypeShape, O extends TypeShape = TypeShape> {
  /** The task's name: the template id's name, and the node id of local executions. */
  name: string;
  /** The task type a connector serves, e.g. `external_model_training`. */
  taskType: string;
  /** The task type's version. Default 0. */
  taskTypeVersion?: number;
  /**
   * Inputs and outputs. Default: none. Passing it here works at run time; to have `execute()` type-check
   * inputs and outputs, declare it as a field instead (see `TaskTemplate`).
   */
  interface?: TaskInterface<I, O>;
  /** Attempts after the first, on RETRYABLE_FAILED. Default 0. */
  retries?: number;
  /** Task timeout: milliseconds or a `Duration`. Default none. The local executor applies it to the whole run. */
  timeout?: number | Duration;
  /** @deprecated Use `timeout`; kept while callers move over. Ignored when `timeout` is set. */
  timeoutMs?: number;
  /**
   * Secret name → environment variable holding it on the machine that runs `execute()`, as the seed's
   * `custom.secrets`. Written to `custom.secrets` unless `customConfig()` sets that key. Default none.
   */
  secrets?: Record<string, string>;
  /** The template id's project in `toProto()`. Default "local". */
  project?: string;
  /** The template id's domain in `toProto()`. Default "development". */
  domain?: string;
  /** The template id's version in `toProto()`. Default "local". */
  version?: string;
}

/**
 * The description of a task a connector runs: its type, typed interface, custom config and SQL. Subclass
 * it and override `customConfig()` and/or `sql()`; `toProto()` builds the flyteidl2 TaskTemplate the
 * backend would send.
 *
 * TypeScript cannot infer a class's types from what its constructor passes to `super()`, so to get
 * compile-time checked `execute()` inputs and outputs declare the interface as a field:
 *
 * ```ts
 * class ModelTrainTask extends AsyncConnectorExecutorMixin(TaskTemplate) {
 *   override readonly interface = { inputs: { epochs: types.int, dataset_uri: types.string }, outputs: { results: types.file } };
 *   constructor(name: string, private readonly endpoint: string) { super({ name, taskType: "external_model_training" }); }
 *   override customConfig() { return { endpoint: this.endpoint }; }
 * }
 * ```
 */
export class TaskTemplate<I extends TypeShape = TypeShape, O extends TypeShape = TypeShape> {
  readonly name: string;
  readonly taskType: string;
  readonly taskTypeVersion: number;
  readonly interface: TaskInterface<I, O>;
  readonly retries: number;
  /** The task's timeout in milliseconds, or undefined for none. */
  readonly timeoutMs: number | undefined;
  readonly secrets: Readonly<Record<string, string>>;
  /** The serialisation context `toProto()` uses for what its argument leaves out. */
  readonly defaults: SerializationContext;

  constructor(options: TaskTemplateOptions<I, O>) {
    if (!options?.name) throw new ConfigurationError("a task needs a name");
    if (!options.taskType) throw new ConfigurationError(`task "${options.name}" needs a taskType`);
    const retries = options.retries ?? 0;
    if (!Number.isInteger(retries) || retries < 0) {
      throw new ConfigurationError(`task "${options.name}": retries must be a non-negative integer`);
    }
    const timeout = options.timeout ?? options.timeoutMs;
    const timeoutMs = timeout instanceof Duration ? timeout.toMillis() : timeout;
    if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
      throw new ConfigurationError(
        `task "${options.name}": timeout must be a positive number of milliseconds or a Duration`,
      );
    }
    this.name = options.name;
    this.taskType = options.taskType;
    this.taskTypeVersion = options.taskTypeVersion ?? 0;
    this.interface = options.interface ?? ({ inputs: {}, outputs: {} } as TaskInterface<I, O>);
    this.retries = retries;
    this.timeoutMs = timeoutMs;
    this.secrets = { ...options.secrets };
    this.defaults = {
      project: options.project ?? "local",
      domain: options.domain ?? "development",
      version: options.version ?? "local",
    };
  }

  /** The task's custom config (`template.custom`). Default: none. */
  customConfig(_ctx: SerializationContext): Record<string, unknown> {
    return {};
  }

  /** The task's SQL (`template.sql.statement`), for SQL tasks. Default: none. */
  sql(_ctx: SerializationContext): string | undefined {
    return undefined;
  }

  /** The flyteidl2 TaskTemplate for this task, as the backend would send it. */
  toProto(ctx: Partial<SerializationContext> = {}): TaskTemplateProto {
    const context = { ...this.defaults, ...ctx };
    const custom = { ...this.customConfig(context) };
    if (Object.keys(this.secrets).length && custom.secrets === undefined)
      custom.secrets = { ...this.secrets };
    const statement = this.sql(context);
    const timeout = this.timeoutMs === undefined ? undefined : Duration.ofMillis(this.timeoutMs);
    return templateCodec().fromPartial({
      id: {
        resourceType: ResourceType.TASK,
        project: context.project,
        domain: context.domain,
        name: this.name,
        version: context.version,
      },
      type: this.taskType,
      taskTypeVersion: this.taskTypeVersion,
      metadata: {
        runtime: { type: RuntimeMetadata_RuntimeType.OTHER, version: RUNTIME_VERSION, flavor: "typescript" },
        timeout: timeout && { seconds: timeout.seconds, nanos: timeout.nanos },
        retries: { retries: this.retries },
      },
      interface: interfaceToProto(this.interface.inputs, this.interface.outputs),
      // A protobuf Struct holds JSON only: bigints become strings, undefined fields drop out.
      custom: JSON.parse(
        JSON.stringify(custom, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
      ),
      target:
        statement === undefined
          ? undefined
          : { $case: "sql", value: { statement, dialect: Sql_Dialect.ANSI } },
    });
  }
}
