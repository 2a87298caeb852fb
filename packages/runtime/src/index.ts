/**
 * @flyte-connectors/runtime — write a Flyte 2 connector in TypeScript, and the task classes that run on it.
 *
 * A connector is a stateless service: `create` starts a job on an external system and returns its
 * metadata (stored by the backend as `resource_meta`), `get` reports the job's phase, `delete` cancels
 * it. Every call gets an `AbortSignal` that fires when the backend cancels, the deadline passes or the
 * call ends, and `beforeDeadline()` to stop waiting in time to answer "not yet".
 *
 * @example
 * ```ts
 * import { AsyncConnector, ConnectorError, TaskExecutionPhase as Phase, jsonMeta,
 *          type CallContext, type CreateContext, type Resource } from "@flyte-connectors/runtime";
 *
 * interface JobMeta { job_id: string }
 *
 * export class EchoConnector extends AsyncConnector<JobMeta> {
 *   readonly name = "Echo Connector";
 *   readonly taskTypeName = "echo";
 *   readonly metadata = jsonMeta<JobMeta>(["job_id"]);
 *
 *   async create({ inputs, idempotencyKey }: CreateContext): Promise<JobMeta> {
 *     if (typeof inputs.text !== "string") throw ConnectorError.badRequest("input 'text' must be a string");
 *     return { job_id: idempotencyKey };      // same attempt → same job
 *   }
 *   async get(meta: JobMeta, _ctx: CallContext): Promise<Resource> {
 *     return { phase: Phase.SUCCEEDED, outputs: { echoed: meta.job_id } };
 *   }
 *   async delete(): Promise<void> {}           // nothing to cancel: deleting is always safe
 * }
 *
 * export const connectors = [new EchoConnector()]; // `flyte-connector serve --modules ./echo.js`
 * ```
 *
 * The root holds the authoring API only. Running things lives behind subpaths:
 * `@flyte-connectors/runtime/server` (serve from code), `/executor` (run tasks locally: errors, events,
 * options), `/cli` (the connector module loader), `/pipeline` (for transport adapters and test kits) and
 * `/wire` (the flyteidl2 wire types and literal conversion).
 *
 * @module
 */
export {
  AsyncConnector,
  jsonMeta,
  type CallContext,
  type CreateContext,
  type LogChunk,
  type LogLine,
  type LogLink,
  type LogsRequest,
  type MetadataCodec,
  type MetricResult,
  type MetricsRequest,
  type Resource,
  type TaskCategory,
  type TaskExecutionMetadata,
  type TaskTemplateSpec,
} from "./connector";
export {
  ConfigurationError,
  ConnectorError,
  ErrorCode,
  isAbortError,
  type ConnectorErrorOptions,
} from "./errors";
export {
  MAX_QUOTED_LENGTH,
  clip,
  describeBody,
  describeValue,
  parseAnswer,
  type AnswerSchema,
  type Parsed,
} from "./answers";
export { TaskExecutionPhase, isTerminal, phaseFromState, phaseName } from "./phase";
export { ConnectorRegistry, defaultRegistry, type ConnectorInfo, type RegisterOptions } from "./registry";
export type { SecretStore } from "./secrets";
export {
  DataFrame,
  Duration,
  Float,
  FlyteDirectory,
  FlyteFile,
  RawBinary,
  float,
  type BlobOptions,
  type DataFrameColumn,
  type DataFrameOptions,
} from "./literals/values";
export {
  TaskTemplate,
  type SerializationContext,
  type TaskInterface,
  type TaskTemplateOptions,
} from "./task/template";
export { types, type NativeOf, type NativeValues, type TypeShape, type TypeToken } from "./task/types";
export { AsyncConnectorExecutorMixin, type TaskInputs, type TaskOutputs } from "./executor/mixin";
// The type of `execute()`'s options; the rest of the executor's surface is in `/executor`.
export type { ExecuteOptions } from "./executor/execute";
