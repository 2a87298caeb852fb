/**
 * @flyte-connectors/runtime/executor — run a connector's task without a cluster: in this process through
 * the same call pipeline the server runs, or against a running `flyte-connector serve` over gRPC, exactly
 * as the Flyte backend drives it.
 *
 * Most code only needs `AsyncConnectorExecutorMixin` (from the package root) and `task.execute()`; this
 * subpath adds what you catch, observe and tune.
 *
 * @example
 * ```ts
 * import { TaskFailedError, createExecutionLogger, type ExecutionEvent } from "@flyte-connectors/runtime/executor";
 *
 * const events: ExecutionEvent[] = [];
 * try {
 *   const { results } = await task.execute({ epochs: 3 }, { onEvent: (e) => events.push(e), poll: { maxMs: 3000 } });
 * } catch (error) {
 *   if (error instanceof TaskFailedError) console.error(error.phase, error.reason);
 *   else throw error;
 * }
 * ```
 *
 * @module
 */
export { AsyncConnectorExecutorMixin, type TaskInputs, type TaskOutputs } from "./mixin";
export { executeTask, type ExecuteOptions, type ExecutableTask } from "./execute";
export { createExecutionLogger, type Clock, type ExecutionEvent } from "./progress";
export { TaskAbortedError, TaskFailedError, TaskTimeoutError, type StopReason } from "./errors";
export { DEFAULT_POLL, pollDelays, type PollOptions } from "./backoff";
