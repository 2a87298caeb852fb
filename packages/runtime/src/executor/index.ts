export { AsyncConnectorExecutorMixin, type TaskInputs, type TaskOutputs } from "./mixin";
export { executeTask, type ExecuteOptions, type ExecutableTask } from "./execute";
export { createExecutionLogger } from "./progress";
export { TaskAbortedError, TaskFailedError, TaskTimeoutError, type StopReason } from "./errors";
export { DEFAULT_POLL, pollDelays, type PollOptions } from "./backoff";
