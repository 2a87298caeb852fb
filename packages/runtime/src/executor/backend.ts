import type {
  CreateTaskRequest,
  DeleteTaskRequest,
  GetTaskRequest,
  Resource,
} from "../gen/flyteidl2/connector/connector";

/** One call's limits: when the caller stops waiting, and what may stop it sooner. */
export interface CallLimits {
  /** Epoch ms. The backend answers (or rejects) by then, whatever the connector does. */
  deadline: number;
  /** The execution's stop (abort, timeout, Ctrl-C); absent for calls that must run to their end. */
  signal?: AbortSignal;
}

/**
 * Where the executor's calls go: the call pipeline in this process, or a connector server over gRPC.
 * Both take the wire requests the Flyte backend sends and answer as the server would, so one loop drives
 * both exactly as the backend does. Methods reject with a `ConnectorError`.
 */
export interface ExecutionBackend {
  /** Starts the job; resolves to its `resource_meta`. */
  create(request: CreateTaskRequest, limits: CallLimits): Promise<Uint8Array>;
  get(request: GetTaskRequest, limits: CallLimits): Promise<Resource>;
  delete(request: DeleteTaskRequest, limits: CallLimits): Promise<void>;
  /** Releases connections; called once, when the execution ends. */
  close(): void;
}
