import { Metadata, credentials, status, type ServiceError } from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { TaskCategory } from "../connector";
import { ConnectorError, ErrorCode } from "../errors";
import { idempotencyKeyFor } from "../idempotency";
import { inputsToNative } from "../literals";
import type { ConnectorRegistry } from "../registry";
import { SecretStore, type SecretSourceOptions } from "../secrets";
import { resourceToProto } from "../server/service";
import { Resource, type TaskExecutionMetadata } from "../gen/flyteidl2/connector/connector";
import { AsyncConnectorServiceClient } from "../gen/flyteidl2/connector/service";
import type { TaskTemplate as TaskTemplateProto } from "../gen/flyteidl2/core/tasks";
import { Inputs } from "../gen/flyteidl2/task/common";

/** What a create needs, in wire form. */
export interface CreateRequest {
  template: TaskTemplateProto;
  inputs: Inputs;
  outputPrefix: string;
  taskExecutionMetadata: TaskExecutionMetadata;
  secrets: Record<string, string>;
}

/** What get and delete need besides the resource meta. */
export interface JobRequest {
  category: TaskCategory;
  secrets: Record<string, string>;
}

/** One call's cancellation: the signal and the moment the caller stops waiting. */
export interface CallLimits {
  signal: AbortSignal;
  deadline: number;
}

/**
 * Where the executor's create/get/delete go: a connector in this process, or a connector server over
 * gRPC. Both speak wire types, so the same loop drives both exactly as the backend would.
 */
export interface ExecutionBackend {
  create(request: CreateRequest, limits: CallLimits): Promise<Uint8Array>;
  get(resourceMeta: Uint8Array, request: JobRequest, limits: CallLimits): Promise<Resource>;
  delete(resourceMeta: Uint8Array, request: JobRequest, limits: CallLimits): Promise<void>;
  close(): void;
}

/**
 * Runs the connector in this process, with the server's conversions: inputs and resources pass through
 * protobuf encoding and the same literal conversion, so what works here works behind the server.
 */
export class InProcessBackend implements ExecutionBackend {
  constructor(
    private readonly registry: ConnectorRegistry,
    private readonly logger: Logger,
    private readonly secretSources: SecretSourceOptions = {},
  ) {}

  async create(request: CreateRequest, limits: CallLimits): Promise<Uint8Array> {
    const category = { name: request.template.type, version: request.template.taskTypeVersion };
    const connector = this.registry.get(category);
    const wireInputs = Inputs.decode(Inputs.encode(request.inputs).finish());
    const inputs = inputsToNative(wireInputs, request.template.interface);
    const meta = await connector.create({
      ...this.#context(category, request.secrets, limits, "create"),
      taskTemplate: request.template,
      inputs,
      outputPrefix: request.outputPrefix,
      taskExecutionMetadata: request.taskExecutionMetadata,
      idempotencyKey: idempotencyKeyFor(request.taskExecutionMetadata),
    });
    return connector.metadata.encode(meta);
  }

  async get(resourceMeta: Uint8Array, request: JobRequest, limits: CallLimits): Promise<Resource> {
    const connector = this.registry.get(request.category);
    const resource = await connector.get(connector.metadata.decode(resourceMeta), this.#context(request.category, request.secrets, limits, "get"));
    return Resource.decode(Resource.encode(resourceToProto(resource)).finish());
  }

  async delete(resourceMeta: Uint8Array, request: JobRequest, limits: CallLimits): Promise<void> {
    const connector = this.registry.get(request.category);
    await connector.delete(connector.metadata.decode(resourceMeta), this.#context(request.category, request.secrets, limits, "delete"));
  }

  close(): void {}

  #context(category: TaskCategory, secrets: Record<string, string>, limits: CallLimits, operation: string) {
    return {
      taskCategory: category,
      secrets: new SecretStore(secrets, this.secretSources),
      configs: {},
      signal: limits.signal,
      deadline: limits.deadline,
      logger: this.logger.child({ taskType: category.name, operation }),
    };
  }
}

const CODE_OF_STATUS: Partial<Record<status, ConnectorError["code"]>> = {
  [status.INVALID_ARGUMENT]: ErrorCode.BadRequest,
  [status.NOT_FOUND]: ErrorCode.NotFound,
  [status.PERMISSION_DENIED]: ErrorCode.PermissionDenied,
  [status.UNAUTHENTICATED]: ErrorCode.PermissionDenied,
  [status.UNAVAILABLE]: ErrorCode.Unavailable,
  [status.DEADLINE_EXCEEDED]: ErrorCode.Unavailable,
  [status.RESOURCE_EXHAUSTED]: ErrorCode.Unavailable,
  [status.CANCELLED]: ErrorCode.Aborted,
  [status.UNIMPLEMENTED]: ErrorCode.Unimplemented,
};

/** Drives a running `flyte-connector serve` over gRPC, as the Flyte backend does. */
export class GrpcBackend implements ExecutionBackend {
  readonly #client: AsyncConnectorServiceClient;

  constructor(readonly endpoint: string) {
    this.#client = new AsyncConnectorServiceClient(endpoint, credentials.createInsecure());
  }

  async create(request: CreateRequest, limits: CallLimits): Promise<Uint8Array> {
    const response = await this.#call<{ resourceMeta: Buffer }>(limits, (options, cb) =>
      this.#client.createTask(
        {
          template: request.template,
          inputs: request.inputs,
          outputPrefix: request.outputPrefix,
          taskExecutionMetadata: request.taskExecutionMetadata,
          connection: { taskType: request.template.type, secrets: request.secrets, configs: {} },
        },
        options.metadata,
        options.callOptions,
        cb,
      ),
    );
    return response.resourceMeta;
  }

  async get(resourceMeta: Uint8Array, request: JobRequest, limits: CallLimits): Promise<Resource> {
    const response = await this.#call<{ resource?: Resource }>(limits, (options, cb) =>
      this.#client.getTask(
        {
          resourceMeta: Buffer.from(resourceMeta),
          taskCategory: request.category,
          outputPrefix: "",
          connection: { taskType: request.category.name, secrets: request.secrets, configs: {} },
        },
        options.metadata,
        options.callOptions,
        cb,
      ),
    );
    if (!response.resource) throw ConnectorError.internal("GetTask answered without a resource");
    return response.resource;
  }

  async delete(resourceMeta: Uint8Array, request: JobRequest, limits: CallLimits): Promise<void> {
    await this.#call(limits, (options, cb) =>
      this.#client.deleteTask(
        {
          resourceMeta: Buffer.from(resourceMeta),
          taskCategory: request.category,
          connection: { taskType: request.category.name, secrets: request.secrets, configs: {} },
        },
        options.metadata,
        options.callOptions,
        cb,
      ),
    );
  }

  close(): void {
    this.#client.close();
  }

  #call<T>(
    limits: CallLimits,
    start: (
      options: { metadata: Metadata; callOptions: { deadline: number } },
      cb: (error: ServiceError | null, value?: T) => void,
    ) => { cancel(): void },
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const call = start({ metadata: new Metadata(), callOptions: { deadline: limits.deadline } }, (error, value) => {
        limits.signal.removeEventListener("abort", onAbort);
        if (error) reject(fromGrpcError(error));
        else resolve(value as T);
      });
      const onAbort = () => call.cancel();
      limits.signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}

function fromGrpcError(error: ServiceError): ConnectorError {
  const code = CODE_OF_STATUS[error.code as status] ?? ErrorCode.Internal;
  return new ConnectorError(code, error.details || error.message, { cause: error });
}
