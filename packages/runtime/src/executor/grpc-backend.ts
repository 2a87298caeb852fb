import { Metadata, credentials, type ClientUnaryCall, type ServiceError } from "@grpc/grpc-js";
import { ConnectorError } from "../errors";
import type {
  CreateTaskRequest,
  DeleteTaskRequest,
  GetTaskRequest,
  Resource,
} from "../gen/flyteidl2/connector/connector";
import { AsyncConnectorServiceClient } from "../gen/flyteidl2/connector/service";
import { fromStatus } from "../grpc/status";
import type { CallLimits, ExecutionBackend } from "./backend";

type Start<T> = (
  metadata: Metadata,
  options: { deadline: number },
  callback: (error: ServiceError | null, value?: T) => void,
) => ClientUnaryCall;

/**
 * Drives a running `flyte-connector serve` over gRPC, as the Flyte backend does: each call with its
 * deadline (grpc-js times it), cancelled when the execution stops, and keepalive pings every 30 s while
 * a call is open.
 */
export class GrpcBackend implements ExecutionBackend {
  readonly #client: AsyncConnectorServiceClient;

  constructor(readonly endpoint: string) {
    this.#client = new AsyncConnectorServiceClient(endpoint, credentials.createInsecure(), {
      "grpc.keepalive_time_ms": 30_000,
      "grpc.keepalive_timeout_ms": 10_000,
    });
  }

  async create(request: CreateTaskRequest, limits: CallLimits): Promise<Uint8Array> {
    const response = await this.#call<{ resourceMeta: Buffer }>(limits, (md, options, cb) =>
      this.#client.createTask(request, md, options, cb),
    );
    return response.resourceMeta;
  }

  async get(request: GetTaskRequest, limits: CallLimits): Promise<Resource> {
    const response = await this.#call<{ resource?: Resource }>(limits, (md, options, cb) =>
      this.#client.getTask(request, md, options, cb),
    );
    if (!response.resource) throw ConnectorError.internal("GetTask answered without a resource");
    return response.resource;
  }

  async delete(request: DeleteTaskRequest, limits: CallLimits): Promise<void> {
    await this.#call(limits, (md, options, cb) => this.#client.deleteTask(request, md, options, cb));
  }

  close(): void {
    this.#client.close();
  }

  #call<T>(limits: CallLimits, start: Start<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const stop = limits.signal;
      if (stop?.aborted) return reject(ConnectorError.aborted("the call was cancelled before it started"));
      const onStop = () => call.cancel();
      const call = start(new Metadata(), { deadline: limits.deadline }, (error, value) => {
        stop?.removeEventListener("abort", onStop);
        if (error) reject(fromStatus(error, this.endpoint));
        else resolve(value as T);
      });
      stop?.addEventListener("abort", onStop, { once: true });
    });
  }
}
