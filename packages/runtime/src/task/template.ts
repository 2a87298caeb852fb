import { ConnectorError } from "../errors";
import { ResourceType } from "../gen/flyteidl2/core/identifier";
import {
  RuntimeMetadata_RuntimeType,
  Sql_Dialect,
  TaskTemplate as TaskTemplateMessage,
  type TaskTemplate as TaskTemplateProto,
} from "../gen/flyteidl2/core/tasks";
import { interfaceToProto, type TypeShape } from "./types";

/** The version of this package, written into every template's `metadata.runtime`. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const RUNTIME_VERSION: string = (require("../../package.json") as { version: string }).version;

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
  name: string;
  /** The task type a connector serves, e.g. `external_model_training`. */
  taskType: string;
  /** Default 0. */
  taskTypeVersion?: number;
  /** Default: no inputs, no outputs. Subclasses may instead declare an `interface` field (typed execute). */
  interface?: TaskInterface<I, O>;
  /** Attempts after the first, on RETRYABLE_FAILED. Default 0. */
  retries?: number;
  /** Whole-task timeout in ms; default none. */
  timeoutMs?: number;
  /** Secret name → environment variable that holds it locally (the seed's `custom.secrets`). */
  secrets?: Record<string, string>;
  /** Defaults for `toProto()`: project "local", domain "development", version "local". */
  project?: string;
  domain?: string;
  version?: string;
}

/**
 * The description of a task a connector runs: its type, typed interface, custom config and SQL. Subclass
 * it and override `customConfig()` and/or `sql()`; `toProto()` builds the flyteidl2 TaskTemplate the
 * backend would send.
 *
 * Declare the interface as a field to get compile-time checked `execute()` inputs and outputs:
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
  readonly timeoutMs: number | undefined;
  readonly secrets: Readonly<Record<string, string>>;
  readonly defaults: SerializationContext;

  constructor(options: TaskTemplateOptions<I, O>) {
    if (!options?.name) throw ConnectorError.badRequest("a task needs a name");
    if (!options.taskType) throw ConnectorError.badRequest(`task "${options.name}" needs a taskType`);
    const retries = options.retries ?? 0;
    if (!Number.isInteger(retries) || retries < 0) throw ConnectorError.badRequest(`task "${options.name}": retries must be a non-negative integer`);
    this.name = options.name;
    this.taskType = options.taskType;
    this.taskTypeVersion = options.taskTypeVersion ?? 0;
    this.interface = options.interface ?? ({ inputs: {}, outputs: {} } as TaskInterface<I, O>);
    this.retries = retries;
    this.timeoutMs = options.timeoutMs;
    this.secrets = { ...options.secrets };
    this.defaults = { project: options.project ?? "local", domain: options.domain ?? "development", version: options.version ?? "local" };
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
    if (Object.keys(this.secrets).length && custom.secrets === undefined) custom.secrets = { ...this.secrets };
    const statement = this.sql(context);
    const timeout = this.timeoutMs === undefined ? undefined : { seconds: BigInt(Math.floor(this.timeoutMs / 1000)), nanos: (this.timeoutMs % 1000) * 1e6 };
    return TaskTemplateMessage.fromPartial({
      id: { resourceType: ResourceType.TASK, project: context.project, domain: context.domain, name: this.name, version: context.version },
      type: this.taskType,
      taskTypeVersion: this.taskTypeVersion,
      metadata: {
        runtime: { type: RuntimeMetadata_RuntimeType.OTHER, version: RUNTIME_VERSION, flavor: "typescript" },
        timeout,
        retries: { retries: this.retries },
      },
      interface: interfaceToProto(this.interface.inputs, this.interface.outputs),
      custom: JSON.parse(JSON.stringify(custom, (_k, v) => (typeof v === "bigint" ? v.toString() : v))),
      target: statement === undefined ? undefined : { $case: "sql", value: { statement, dialect: Sql_Dialect.ANSI } },
    });
  }
}
