import { Metadata, credentials, type ClientUnaryCall, type ServiceError } from "@grpc/grpc-js";
import { ConfigurationError, ConnectorError } from "../errors";
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

const EXPECTED = 'host:port (like "127.0.0.1:8000" or "dns:///connector.flyte:8000")';

/**
 * Checks an `{ endpoint }` before grpc-js sees it. grpc-js reads "http://host:8000" as a DNS name and
 * dials port 443 when none is given, so both would fail late, as a DNS error or a call to the wrong port.
 * Accepts `host:port`, `[v6]:port`, `dns:` targets with a host and port, and `unix:` sockets.
 */
export function checkEndpoint(endpoint: string): void {
  const problem = endpointProblem(endpoint);
  if (problem)
    throw new ConfigurationError(
      `execute option endpoint must be ${EXPECTED}, got ${JSON.stringify(endpoint)}: ${problem}`,
    );
}

function endpointProblem(endpoint: string): string | undefined {
  if (/^unix(-abstract)?:./.test(endpoint)) return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(endpoint);
  if (scheme && scheme[1].toLowerCase() !== "dns")
    return `drop the "${scheme[0]}" (a gRPC endpoint is not a URL; the executor speaks plain-text gRPC)`;
  // dns:///host:port and dns://resolver/host:port name the target after the last slash; dns:host:port too.
  const target = endpoint.replace(/^dns:(\/\/[^/]*\/)?/i, "");
  const match = /^(\[[0-9a-f:.]+\]|[^:/[\]\s]+)(?::(\d*))?$/i.exec(target);
  if (!match) return "expected a host name or address, a colon and a port";
  const [, host, port] = match;
  if (!port) return `add the port, e.g. "${host}:8000" (without one, gRPC dials port 443)`;
  if (Number(port) < 1 || Number(port) > 65535) return `port ${port} is outside 1..65535`;
  return undefined;
}

/**
 * Drives a running `flyte-connector serve` over gRPC, as the Flyte backend does: each call with its
 * deadline (grpc-js times it), cancelled when the execution stops, and keepalive pings every 30 s while
 * a call is open.
 */
export class GrpcBackend implements ExecutionBackend {
  readonly #client: AsyncConnectorServiceClient;

  constructor(readonly endpoint: string) {
    checkEndpoint(endpoint);
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
