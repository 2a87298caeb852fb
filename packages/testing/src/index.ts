/**
 * @flyte-connectors/testing — the connector author's test kit: check a connector against the contract
 * the Flyte 2 backend imposes, before anything reaches a cluster.
 *
 * - `connectorConformance(options)`: a jest `describe` block of contract checks (idempotent create,
 *   repeatable get, forgiving delete, outages answered with a phase, bad config named, meta through
 *   bytes, outputs typed, deadlines kept, no secret leaked), against your connector and your fake of
 *   the external system.
 * - `FlyteBackendSimulator`: drives a connector over real gRPC exactly as the backend does (discovery,
 *   create per attempt, resync polling, failure counting, retries, abort and garbage-collection deletes,
 *   keepalive) and reports every call; time runs on a clock you can inject (`VirtualClock`).
 * - `createCallContext()` / `createContext()`: the runtime's own call context for unit tests of a
 *   connector's methods, with secrets, configs, a capturing logger and a deadline the test controls.
 * - `UpstreamClient` and the upstream literal builders: requests encoded by @flyteorg/flyteidl2's own
 *   protobuf-es code, so a wire mismatch fails a test; `LogCapture`; `startTestServer`; `startFaultProxy`.
 *
 * @example
 * ```ts
 * import { connectorConformance } from "@flyte-connectors/testing";
 * import { startTrainingService, type TrainingService } from "@flyte-connectors/connector-model-training/service";
 * import { ModelTrainingConnector, ModelTrainTask } from "@flyte-connectors/connector-model-training";
 *
 * let service: TrainingService;
 * beforeAll(async () => { service = await startTrainingService({ epochMs: 5, queueMs: 5, apiKey: "k-123456" }); });
 * afterAll(() => service.close());
 *
 * const inputs = { epochs: 1, dataset_uri: "gs://bucket/train.csv" };
 * connectorConformance({
 *   connector: () => new ModelTrainingConnector(),
 *   task: () => ({ template: new ModelTrainTask("train", service.endpoint), inputs }),
 *   faults: { unavailable: (on) => service.unavailable(on) },
 *   badConfigs: [{ template: new ModelTrainTask("train", "ftp://nope"), inputs, field: "custom.endpoint" }],
 *   secrets: { api_key: "k-123456" },
 * });
 * ```
 *
 * @module
 */
export {
  connectorConformance,
  type BadConfig,
  type ConformanceCheck,
  type ConformanceOptions,
  type ConformanceTask,
  type FaultHooks,
} from "./conformance";
export {
  FlyteBackendSimulator,
  SimulationError,
  type AttemptEnd,
  type AttemptRecord,
  type BackendOperation,
  type CallRecord,
  type FlyteBackendSimulatorOptions,
  type Outcome,
  type PhaseRecord,
  type RunOptions,
  type SimulatedTask,
  type SimulationReport,
} from "./simulator";
export {
  createCallContext,
  createContext,
  type CallContextOptions,
  type CreateContextOptions,
  type TestCallContext,
  type TestCallControls,
  type TestCreateContext,
} from "./call-context";
export { VirtualClock, realClock, type Clock } from "./clock";
export { startTestServer, type AnyConnector, type TestServer, type TestServerOptions } from "./test-server";
export { startFaultProxy, type FaultProxy } from "./fault-proxy";
export { LogCapture } from "./log-capture";
export {
  BACKEND_CHANNEL_OPTIONS,
  UpstreamClient,
  statusOf,
  type Init,
  type RpcName,
  type RpcOptions,
} from "./upstream-client";
export { executionMetadata, lit, namedLiterals, simple, ty, variables } from "./upstream-literals";
export type { TemplateInput } from "./wire-bridge";
