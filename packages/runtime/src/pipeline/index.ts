/**
 * @flyte-connectors/runtime/pipeline — the transport-agnostic call pipeline, for transport adapters (the
 * gRPC server and the in-process executor are two; a Connect/HTTP one would be a third) and for test kits.
 * Connector authors never need it.
 *
 * A call: make a `CallScope` (its deadline; report a cancel with `scope.cancel()`), hand the decoded wire
 * request to the pipeline, and answer with its response — or with the `ConnectorError` it rejects with,
 * whose message is already fit for the client.
 *
 * @example
 * ```ts
 * import { CallPipeline, CallScope } from "@flyte-connectors/runtime/pipeline";
 *
 * const pipeline = new CallPipeline({ registry, logger });
 * const scope = new CallScope({ deadline: Date.now() + 10_000, enforceDeadline: true });
 * request.on("close", () => scope.cancel());
 * const { resource } = await pipeline.getTask(getTaskRequest, scope);
 * ```
 *
 * @module
 */
export { CallPipeline, MAX_STATUS_MESSAGE_LENGTH, type CallPipelineOptions } from "./call-pipeline";
export { MalformedRequest } from "./malformed-request";
export { CallScope, DEFAULT_ANSWER_MARGIN_MS, type AbortCause, type CallScopeOptions } from "./call-scope";
export { MAX_PHASE_MESSAGE_LENGTH } from "./resource";
export { idempotencyKeyFor } from "../idempotency";

import type { Logger } from "pino";
import type {
  CallContext,
  CreateContext,
  TaskCategory,
  TaskExecutionMetadata,
  TaskTemplateSpec,
} from "../connector";
import type { SecretSourceOptions } from "../secrets";
import { Context, CreateCallContext } from "./call-context";
import type { CallScope as Scope } from "./call-scope";

/** What `openCallContext` builds a context from (not exported: the function is the one export). */
interface OpenOptions {
  taskCategory: TaskCategory;
  /** The call's lifetime: its signal, deadline and `beforeDeadline()` come from here. */
  scope: Scope;
  /** The logger the context's own (made on first use) derives from. */
  logger: Logger;
  /** The task's `connection`: secrets and configs by name. Default none. */
  connection?: { secrets?: Record<string, string>; configs?: Record<string, string> };
  /** Where `secrets` look past the connection. Default: `FLYTE_SECRET_*`, then `/etc/secrets`. */
  secretSources?: SecretSourceOptions;
}

interface CreateFields {
  taskTemplate: TaskTemplateSpec;
  inputs: Readonly<Record<string, unknown>>;
  outputPrefix: string;
  taskExecutionMetadata: TaskExecutionMetadata | undefined;
  idempotencyKey: string;
}

/**
 * The context the pipeline would give a connector method, over a `CallScope` the caller owns: for test
 * kits that call a connector's `create` / `get` / `delete` directly (`@flyte-connectors/testing`'s
 * `createCallContext`), so a unit test hands the connector the runtime's own context — secrets looked
 * up the same way, the same lazily made logger, the scope's signal and deadline. With `create`, it is a
 * `CreateContext`. The caller ends the scope (`scope.end()`) when the call is over.
 *
 * @example
 * ```ts
 * const scope = new CallScope({ deadline: Date.now() + 10_000, enforceDeadline: true });
 * const ctx = openCallContext({ taskCategory: connector.taskCategory, scope, logger, connection: { secrets: { api_key: "k" } } });
 * const resource = await connector.get(meta, ctx);
 * scope.end();
 * ```
 */
export function openCallContext(options: OpenOptions & { create: CreateFields }): CreateContext;
export function openCallContext(options: OpenOptions): CallContext;
export function openCallContext(options: OpenOptions & { create?: CreateFields }): CallContext | CreateContext {
  const setup = { sources: options.secretSources ?? {}, active: undefined };
  const given = options.connection;
  const connection = given && {
    taskType: options.taskCategory.name,
    secrets: given.secrets ?? {},
    configs: given.configs ?? {},
  };
  const { create, scope, logger, taskCategory } = options;
  if (!create) return new Context(taskCategory, connection, setup, scope, logger);
  return new CreateCallContext(
    taskCategory,
    connection,
    setup,
    scope,
    logger,
    create.taskTemplate,
    create.inputs,
    create.outputPrefix,
    create.taskExecutionMetadata,
    create.idempotencyKey,
  );
}
