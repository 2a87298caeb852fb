import { Metadata, credentials, status, type ClientUnaryCall, type ServiceError } from "@grpc/grpc-js";
import { ConnectorError, ErrorCode } from "../errors";
import type { Resource } from "../gen/flyteidl2/connector/connector";
import type { Connection } from "../gen/flyteidl2/core/security";
import { AsyncConnectorServiceClient } from "../gen/flyteidl2/connector/service";
import type { CallLimits, CreateRequest, ExecutionBackend, JobRequest } from "./backend";

const CODE_OF_STATUS: Partial<Record<status, ErrorCode>> = {
  [status.INVALID_ARGUMENT]: ErrorCode.BadRequest,
  [status.FAILED_PRECONDITION]: ErrorCode.BadRequest,
  [status.OUT_OF_RANGE]: ErrorCode.BadRequest,
  [status.ALREADY_EXISTS]: ErrorCode.BadRequest,
  [status.NOT_FOUND]: ErrorCode.NotFound,
  [status.PERMISSION_DENIED]: ErrorCode.PermissionDenied,
  [status.UNAUTHENTICATED]: ErrorCode.PermissionDenied,
  [status.UNAVAILABLE]: ErrorCode.Unavailable,
  [status.DEADLINE_EXCEEDED]: ErrorCode.Unavailable,
  [status.RESOURCE_EXHAUSTED]: ErrorCode.Unavailable,
  [status.CANCELLED]: ErrorCode.Aborted,
  [status.UNIMPLEMENTED]: ErrorCode.Unimplemented,
};

/** A gRPC status as a `ConnectorError`: the inverse of the server's mapping (UNKNOWN, INTERNAL → internal). */
export function fromGrpcError(error: ServiceError, endpoint: string): ConnectorError {
  const code = CODE_OF_STATUS[error.code as status] ?? ErrorCode.Internal;
  const text = error.details || error.message;
  // Connection trouble says nothing about the task: name the endpoint so the fix is obvious.
  const message = error.code === status.UNAVAILABLE ? `connector server ${endpoint}: ${text}` : text;
  return new ConnectorError(code, message, { cause: error, details: { grpcCode: error.code } });
}

type Start<T> = (
  metadata: Metadata,
  options: { deadline: number },
  callback: (error: ServiceError | null, value?: T) => void,
) => ClientUnaryCall;

/**
 * Drives a running `flyte-connector serve` over gRPC, as the Flyte backend does: CreateTask with the
 * execution metadata and `connection.secrets`, GetTask and DeleteTask with the task category, each call
 * with its deadline, and keepalive pings every 30 s while a call is open.
 */
export class GrpcBackend implements ExecutionBackend {
  readonly #client: AsyncConnectorServiceClient;

  constructor(readonly endpoint: string) {
    this.#client = new AsyncConnectorServiceClient(endpoint, credentials.createInsecure(), {
      "grpc.keepalive_time_ms": 30_000,
      "grpc.keepalive_timeout_ms": 10_000,
    });
  }

  async create(request: CreateRequest, limits: CallLimits): Promise<Uint8Array> {
    const connection = this.#connection(request.template.type, request.secrets);
    const { template, inputs, outputPrefix, taskExecutionMetadata } = request;
    const response = await this.#call<{ resourceMeta: Buffer }>(limits, (md, options, cb) =>
      this.#client.createTask(
        { template, inputs, outputPrefix, taskExecutionMetadata, connection },
        md,
        options,
        cb,
      ),
    );
    return response.resourceMeta;
  }

  async get(resourceMeta: Uint8Array, request: JobRequest, limits: CallLimits): Promise<Resource> {
    const message = {
      resourceMeta: Buffer.from(resourceMeta),
      taskCategory: request.category,
      outputPrefix: request.outputPrefix,
      connection: this.#connection(request.category.name, request.secrets),
    };
    const response = await this.#call<{ resource?: Resource }>(limits, (md, options, cb) =>
      this.#client.getTask(message, md, options, cb),
    );
    if (!response.resource) throw ConnectorError.internal("GetTask answered without a resource");
    return response.resource;
  }

  async delete(resourceMeta: Uint8Array, request: JobRequest, limits: CallLimits): Promise<void> {
    const message = {
      resourceMeta: Buffer.from(resourceMeta),
      taskCategory: request.category,
      connection: this.#connection(request.category.name, request.secrets),
    };
    await this.#call(limits, (md, options, cb) => this.#client.deleteTask(message, md, options, cb));
  }

  close(): void {
    this.#client.close();
  }

  #connection(taskType: string, secrets: Record<string, string>): Connection {
    return { taskType, secrets, configs: {} };
  }

  #call<T>(limits: CallLimits, start: Start<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (limits.signal.aborted)
        return reject(ConnectorError.aborted("the call was cancelled before it started"));
      const onAbort = () => call.cancel();
      const call = start(new Metadata(), { deadline: limits.deadline }, (error, value) => {
        limits.signal.removeEventListener("abort", onAbort);
        if (error) reject(fromGrpcError(error, this.endpoint));
        else resolve(value as T);
      });
      limits.signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}
