import type { TaskCategory } from "../connector";
import type { Resource, TaskExecutionMetadata } from "../gen/flyteidl2/connector/connector";
import type { TaskTemplate as TaskTemplateProto } from "../gen/flyteidl2/core/tasks";
import type { Inputs } from "../gen/flyteidl2/task/common";

/** A create, in wire form: what `CreateTaskRequest` carries. */
export interface CreateRequest {
  template: TaskTemplateProto;
  inputs: Inputs;
  outputPrefix: string;
  taskExecutionMetadata: TaskExecutionMetadata;
  /** Resolved secret values by name (`connection.secrets`). */
  secrets: Record<string, string>;
}

/** What get and delete carry besides the resource meta. */
export interface JobRequest {
  category: TaskCategory;
  outputPrefix: string;
  secrets: Record<string, string>;
}

/** One call's cancellation: a signal (execution stop or per-call timeout) and when the caller stops waiting. */
export interface CallLimits {
  signal: AbortSignal;
  /** Epoch ms. */
  deadline: number;
}

/**
 * Where the executor's create/get/delete go: a connector in this process, or a connector server over
 * gRPC. Both take and return wire types, so one loop drives both exactly as the backend would. Methods
 * reject with a `ConnectorError`.
 */
export interface ExecutionBackend {
  /** Starts the job; resolves to its `resource_meta`. */
  create(request: CreateRequest, limits: CallLimits): Promise<Uint8Array>;
  get(resourceMeta: Uint8Array, request: JobRequest, limits: CallLimits): Promise<Resource>;
  delete(resourceMeta: Uint8Array, request: JobRequest, limits: CallLimits): Promise<void>;
  /** Releases connections; called once, when the execution ends. */
  close(): void;
}
