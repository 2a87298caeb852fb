import pino from "pino";
import type { CallContext, CreateContext, TaskCategory } from "@flyte-connectors/runtime";
import { CallScope, idempotencyKeyFor, openCallContext } from "@flyte-connectors/runtime/pipeline";
import {
  Inputs,
  TaskTemplate as WireTaskTemplate,
  inputsToNative,
  nativeToInputs,
  type TaskExecutionMetadata,
} from "@flyte-connectors/runtime/wire";
import type { SecretSourceOptions } from "@flyte-connectors/runtime/server";
import { LogCapture } from "./log-capture";

export interface CallContextOptions {
  /** The task's `connection.secrets`. Default none. */
  secrets?: Record<string, string>;
  /** The task's `connection.configs`. Default none. */
  configs?: Record<string, string>;
  /**
   * Where `secrets.get()` looks past the connection. Default nowhere (an empty environment, no secrets
   * folder), so a unit test does not depend on the machine; pass `{}` for the server's defaults.
   */
  secretSources?: SecretSourceOptions;
  /** The task type the call is for: a name or a category. Default `{ name: "test", version: 0 }`. */
  taskType?: string | TaskCategory;
  /**
   * The call's deadline, ms from now; the context's signal aborts when it passes. Default 10 000 (the
   * backend's). `null` for none.
   */
  deadlineMs?: number | null;
  /** Level of the capturing logger. Default `debug`. */
  logLevel?: pino.LevelWithSilent;
}

/** A call's context, and the controls a test holds over it. */
export interface TestCallControls {
  /** Every line the context's logger wrote (JSON). */
  readonly logs: LogCapture;
  /** The caller cancels: `signal` aborts (as when the backend cancels the call). */
  cancel(): void;
  /** The deadline passes now: `signal` and `beforeDeadline()` abort with a TimeoutError. */
  expire(): void;
  /** The call is answered: its timers are cleared and `signal` aborts, as after every real call. */
  end(): void;
}

export type TestCallContext = CallContext & TestCallControls;
export type TestCreateContext = CreateContext & TestCallControls;

export interface CreateContextOptions extends CallContextOptions {
  /**
   * The template: a runtime `TaskTemplate` (your task class), or its wire form (`custom`, `sql` target,
   * interface; partial is fine). Default an empty template of the task type.
   */
  template?: { toProto(): WireTaskTemplate } | Partial<WireTaskTemplate>;
  /**
   * Native input values. With an interface in the template they pass through literals and back, as the
   * server converts them, so the connector sees what it would see in production (a `bigint` beyond 2^53,
   * a `FlyteFile`, ...). Default none.
   */
  inputs?: Record<string, unknown>;
  /** Default `derived from taskExecutionMetadata`, as the runtime derives it. */
  idempotencyKey?: string;
  /** Default: run `test-run`, node `n0`, attempt `retryAttempt`, in flytesnacks / development. */
  taskExecutionMetadata?: TaskExecutionMetadata;
  /** The attempt the default metadata is for. Default 0. */
  retryAttempt?: number;
  /** Default `file:///tmp/flyte-test/outputs`. */
  outputPrefix?: string;
}

/**
 * A `CallContext` for unit tests of a connector's `get` / `delete` (and anything taking a context): the
 * runtime's own context over a call scope the test owns, with secrets and configs as the backend would
 * send them, a logger that captures, and `cancel()` / `expire()` / `end()`.
 *
 * @example
 * ```ts
 * const ctx = createCallContext({ secrets: { api_key: "k-123" }, deadlineMs: 2000 });
 * const resource = await connector.get(meta, ctx);
 * expect(ctx.logs.text).not.toContain("k-123");
 * ctx.end();
 * ```
 */
export function createCallContext(options: CallContextOptions = {}): TestCallContext {
  const parts = open(options);
  return wrap(openCallContext({ ...parts.base }), parts) as TestCallContext;
}

/**
 * A `CreateContext` for unit tests of a connector's `create`: the template, inputs (converted as the
 * server converts them), idempotency key, execution metadata and output prefix, plus everything
 * `createCallContext` gives.
 *
 * @example
 * ```ts
 * const ctx = createContext({ template: new ModelTrainTask("t", endpoint), inputs: { epochs: 2, dataset_uri: "gs://b/d.csv" } });
 * const meta = await connector.create(ctx);
 * ```
 */
export function createContext(options: CreateContextOptions = {}): TestCreateContext {
  const parts = open(options);
  const template = templateOf(options.template, parts.base.taskCategory);
  const metadata = options.taskExecutionMetadata ?? defaultMetadata(options.retryAttempt ?? 0);
  const inputs = options.inputs
    ? inputsToNative(
        Inputs.decode(Inputs.encode(nativeToInputs(options.inputs, template.interface)).finish()),
        template.interface,
      )
    : {};
  const ctx = openCallContext({
    ...parts.base,
    create: {
      taskTemplate: template,
      inputs,
      outputPrefix: options.outputPrefix ?? "file:///tmp/flyte-test/outputs",
      taskExecutionMetadata: metadata,
      idempotencyKey: options.idempotencyKey ?? idempotencyKeyFor(metadata),
    },
  });
  return wrap(ctx, parts) as TestCreateContext;
}

function open(options: CallContextOptions) {
  const taskCategory =
    typeof options.taskType === "string"
      ? { name: options.taskType, version: 0 }
      : (options.taskType ?? { name: "test", version: 0 });
  const deadlineMs = options.deadlineMs === undefined ? 10_000 : options.deadlineMs;
  const scope = new CallScope({ deadline: deadlineMs === null ? undefined : Date.now() + deadlineMs });
  // The deadline fires as the server's would, on a timer that does not hold the test process open when a
  // test forgets `end()` (unlike the server's own, which must keep a local run alive).
  if (deadlineMs !== null) setTimeout(() => scope.expire(), Math.max(0, deadlineMs)).unref();
  const logs = new LogCapture();
  const logger = pino({ level: options.logLevel ?? "debug", base: undefined }, logs).child({
    taskType: taskCategory.name,
  });
  return {
    scope,
    logs,
    base: {
      taskCategory,
      scope,
      logger,
      connection: { secrets: options.secrets ?? {}, configs: options.configs ?? {} },
      secretSources: options.secretSources ?? {
        env: {},
        secretsDir: "/nonexistent/flyte-connectors-testing",
      },
    },
  };
}

/**
 * The runtime's context with the test's controls added. The context's members are getters made on first
 * use, so they are forwarded rather than copied.
 */
function wrap(ctx: CallContext, parts: { scope: CallScope; logs: LogCapture }): TestCallContext {
  const controls: TestCallControls = {
    logs: parts.logs,
    cancel: () => parts.scope.cancel(),
    expire: () => parts.scope.expire(),
    end: () => parts.scope.end(),
  };
  return new Proxy(ctx as TestCallContext, {
    get(target, key) {
      if (Object.hasOwn(controls, key)) return controls[key as keyof TestCallControls];
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
    has(target, key) {
      return Object.hasOwn(controls, key) || Reflect.has(target, key);
    },
  });
}

function templateOf(template: CreateContextOptions["template"], category: TaskCategory): WireTaskTemplate {
  if (template && typeof (template as { toProto?: unknown }).toProto === "function") {
    return (template as { toProto(): WireTaskTemplate }).toProto();
  }
  return WireTaskTemplate.fromPartial({
    type: category.name,
    taskTypeVersion: category.version,
    ...(template as Partial<WireTaskTemplate> | undefined),
  } as never);
}

function defaultMetadata(retryAttempt: number): TaskExecutionMetadata {
  return {
    taskExecutionId: {
      taskId: undefined,
      nodeExecutionId: {
        nodeId: "n0",
        executionId: { org: "", project: "flytesnacks", domain: "development", name: "test-run" },
      },
      retryAttempt,
    },
    namespace: "flytesnacks-development",
    labels: {},
    annotations: {},
    k8sServiceAccount: "",
    environmentVariables: {},
    maxAttempts: 0,
    interruptible: false,
    interruptibleFailureThreshold: 0,
    identity: undefined,
  } as unknown as TaskExecutionMetadata;
}
