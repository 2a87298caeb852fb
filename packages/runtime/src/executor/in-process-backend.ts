import type { Logger } from "pino";
import { ConnectorError } from "../errors";
import {
  CreateTaskRequest,
  CreateTaskResponse,
  DeleteTaskRequest,
  GetTaskRequest,
  GetTaskResponse,
  type Resource,
} from "../gen/flyteidl2/connector/connector";
import { CallPipeline } from "../pipeline/call-pipeline";
import { CallScope } from "../pipeline/call-scope";
import type { ConnectorRegistry } from "../registry";
import type { SecretSourceOptions } from "../secrets";
import type { CallLimits, ExecutionBackend } from "./backend";

/** What a generated message type offers: encode and decode. */
interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
}

/** The message as the other side of a wire sees it: encoded to protobuf bytes and decoded again. */
function overTheWire<T>(codec: Codec<T>, message: T): T {
  return codec.decode(codec.encode(message).finish());
}

/**
 * Runs calls through the same call pipeline the gRPC server runs, in this process: requests and responses
 * pass through protobuf bytes, each call gets a `CallScope` with its deadline enforced by a timer the scope
 * owns, and the execution's stop cancels it. What works here works behind `flyte-connector serve`.
 */
export class InProcessBackend implements ExecutionBackend {
  readonly #pipeline: CallPipeline;

  constructor(registry: ConnectorRegistry, logger: Logger, secretSources?: SecretSourceOptions) {
    // The executor reports every call's outcome as an event; the pipeline's own call lines would repeat them.
    this.#pipeline = new CallPipeline({ registry, logger, secretSources, callLogs: false });
  }

  async create(request: CreateTaskRequest, limits: CallLimits): Promise<Uint8Array> {
    const wire = overTheWire(CreateTaskRequest, request);
    const response = await this.#call(limits, (scope) => this.#pipeline.createTask(wire, scope));
    return overTheWire(CreateTaskResponse, response).resourceMeta;
  }

  async get(request: GetTaskRequest, limits: CallLimits): Promise<Resource> {
    const wire = overTheWire(GetTaskRequest, request);
    const response = overTheWire(
      GetTaskResponse,
      await this.#call(limits, (scope) => this.#pipeline.getTask(wire, scope)),
    );
    if (!response.resource) throw ConnectorError.internal("GetTask answered without a resource");
    return response.resource;
  }

  async delete(request: DeleteTaskRequest, limits: CallLimits): Promise<void> {
    const wire = overTheWire(DeleteTaskRequest, request);
    await this.#call(limits, (scope) => this.#pipeline.deleteTask(wire, scope));
  }

  close(): void {}

  async #call<T>(limits: CallLimits, run: (scope: CallScope) => Promise<T>): Promise<T> {
    const scope = new CallScope({ deadline: limits.deadline, enforceDeadline: true });
    const stop = limits.signal;
    const onStop = () => scope.cancel();
    if (stop?.aborted) scope.cancel();
    else stop?.addEventListener("abort", onStop, { once: true });
    try {
      return await run(scope);
    } finally {
      stop?.removeEventListener("abort", onStop);
    }
  }
}
