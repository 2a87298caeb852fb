import {
  status as GrpcStatus,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
} from "@grpc/grpc-js";
import {
  HealthCheckResponse_ServingStatus as Status,
  type HealthCheckRequest,
  type HealthCheckResponse,
  type HealthListRequest,
  type HealthListResponse,
  type HealthServer,
} from "../gen/health/v1/health";

export { HealthService } from "../gen/health/v1/health";

/** A service's health as `setStatus` takes it. */
export type ServingStatus = "SERVING" | "NOT_SERVING";

/**
 * grpc.health.v1 (Check, Watch, List) on the generated wire types. Kubernetes gRPC probes and the Flyte
 * chart's readiness probe call Check with the empty service name. Written here rather than taken from
 * grpc-health-check because that package parses its .proto at start-up (~50 ms before the first probe
 * can pass); the protocol itself is generated from that package's .proto (`npm run proto`).
 */
export class Health {
  readonly #statuses = new Map<string, Status>();
  readonly #watchers = new Map<string, Set<(status: Status) => void>>();

  constructor(initial: Record<string, ServingStatus> = {}) {
    for (const [service, status] of Object.entries(initial)) this.#statuses.set(service, Status[status]);
  }

  /** Sets a service's status ("" is the whole server) and tells its watchers. */
  setStatus(service: string, status: ServingStatus): void {
    const value = Status[status];
    if (this.#statuses.get(service) === value) return;
    this.#statuses.set(service, value);
    for (const notify of this.#watchers.get(service) ?? []) notify(value);
  }

  /** The handlers to register with `HealthService`. */
  handlers(): HealthServer {
    return {
      check: (
        call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>,
        callback: sendUnaryData<HealthCheckResponse>,
      ) => {
        const status = this.#statuses.get(call.request?.service ?? "");
        if (status === undefined) {
          callback({
            code: GrpcStatus.NOT_FOUND,
            details: `no health status for service "${call.request?.service ?? ""}"`,
          });
        } else {
          callback(null, { status });
        }
      },
      watch: (call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) => {
        const service = call.request?.service ?? "";
        const notify = (status: Status) => call.write({ status });
        notify(this.#statuses.get(service) ?? Status.SERVICE_UNKNOWN);
        let watchers = this.#watchers.get(service);
        if (!watchers) this.#watchers.set(service, (watchers = new Set()));
        watchers.add(notify);
        // A watch lasts until the client goes away.
        call.on("cancelled", () => watchers.delete(notify));
      },
      list: (
        _call: ServerUnaryCall<HealthListRequest, HealthListResponse>,
        callback: sendUnaryData<HealthListResponse>,
      ) => {
        const statuses: HealthListResponse["statuses"] = {};
        for (const [service, status] of this.#statuses) statuses[service] = { status };
        callback(null, { statuses });
      },
    };
  }
}
