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
export {
  CallPipeline,
  MalformedRequest,
  MAX_STATUS_MESSAGE_LENGTH,
  type CallPipelineOptions,
} from "./call-pipeline";
export { CallScope, DEFAULT_ANSWER_MARGIN_MS, type AbortCause, type CallScopeOptions } from "./call-scope";
export { MAX_PHASE_MESSAGE_LENGTH } from "./resource";
export { idempotencyKeyFor } from "../idempotency";
