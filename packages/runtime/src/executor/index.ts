export { AsyncConnectorExecutorMixin, type TaskInputs, type TaskOutputs } from "./mixin";
export { executeTask, createExecutionLogger, type ExecuteOptions, type ExecutableTask } from "./execute";
export { TaskAbortedError, TaskFailedError, type StopReason } from "./errors";
export { pollDelays, DEFAULT_POLL, type PollOptions } from "./backoff";
