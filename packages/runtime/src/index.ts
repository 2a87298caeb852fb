/**
 * @flyte-connectors/runtime — write a Flyte 2 connector in TypeScript, serve it over gRPC, and run its
 * tasks locally.
 *
 * A connector is a stateless service: `create` starts a job on an external system and returns its
 * metadata (stored by the backend as `resource_meta`), `get` reports the job's phase, `delete` cancels
 * it. Every call gets an `AbortSignal` that fires when the backend cancels or the deadline passes.
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
 *   async get(meta: JobMeta, { signal }: CallContext): Promise<Resource> {
 *     return { phase: Phase.SUCCEEDED, outputs: { echoed: meta.job_id } };
 *   }
 *   async delete(): Promise<void> {}           // nothing to cancel: deleting is always safe
 * }
 *
 * export const connectors = [new EchoConnector()]; // `flyte-connector serve --modules ./echo.js`
 * ```
 *
 * Serve it from code with `new ConnectorServer({ registry: new ConnectorRegistry(connectors) }).listen()`.
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
export { ConnectorError, ErrorCode, isAbortError, type ConnectorErrorOptions } from "./errors";
export { TaskExecutionPhase, isTerminal, phaseFromState, phaseName } from "./phase";
export { ConnectorRegistry, defaultRegistry, type ConnectorInfo, type RegisterOptions } from "./registry";
export { SecretStore, type SecretSourceOptions } from "./secrets";
export { idempotencyKeyFor } from "./idempotency";
export {
  DataFrame,
  Duration,
  Float,
  FlyteDirectory,
  FlyteFile,
  RawBinary,
  float,
  fromLiteral,
  guessLiteralType,
  inputsToNative,
  nativeToInputs,
  nativeToOutputs,
  outputsToNative,
  toLiteral,
} from "./literals";
export { ConnectorServer, type ConnectorServerOptions, type ListenOptions } from "./server/server";
export {
  TaskTemplate,
  RUNTIME_VERSION,
  type SerializationContext,
  type TaskInterface,
  type TaskTemplateOptions,
} from "./task/template";
export { types, interfaceToProto, type NativeOf, type NativeValues, type TypeShape, type TypeToken } from "./task/types";
export {
  AsyncConnectorExecutorMixin,
  DEFAULT_POLL,
  TaskAbortedError,
  TaskFailedError,
  TaskTimeoutError,
  createExecutionLogger,
  executeTask,
  pollDelays,
  type ExecutableTask,
  type ExecuteOptions,
  type PollOptions,
  type StopReason,
  type TaskInputs,
  type TaskOutputs,
} from "./executor";
export {
  CONNECTOR_PACKAGE_FIELD,
  discoverConnectorPackages,
  formatConnectorTable,
  loadConnectors,
  type LoadedConnector,
} from "./cli/load";
