import type { Logger } from "pino";
import type { CallContext, TaskCategory } from "../connector";
import { ConnectorError } from "../errors";
import { Resource } from "../gen/flyteidl2/connector/connector";
import { Inputs } from "../gen/flyteidl2/task/common";
import { idempotencyKeyFor } from "../idempotency";
import { inputsToNative } from "../literals";
import type { ConnectorRegistry } from "../registry";
import { SecretStore, type SecretSourceOptions } from "../secrets";
import { resourceToProto } from "../server/service";
import type { CallLimits, CreateRequest, ExecutionBackend, JobRequest } from "./backend";

/**
 * Runs the connector in this process with the server's conversions: inputs and resources pass through
 * protobuf bytes and the same literal conversion, so what works here works behind `flyte-connector serve`.
 */
export class InProcessBackend implements ExecutionBackend {
  constructor(
    private readonly registry: ConnectorRegistry,
    private readonly logger: Logger,
    private readonly secretSources: SecretSourceOptions = {},
  ) {}

  create(request: CreateRequest, limits: CallLimits): Promise<Uint8Array> {
    return normalised(async () => {
      const category = { name: request.template.type, version: request.template.taskTypeVersion };
      const connector = this.registry.get(category);
      const inputs = inputsToNative(
        Inputs.decode(Inputs.encode(request.inputs).finish()),
        request.template.interface,
      );
      const meta = await connector.create({
        ...this.#context(category, request.secrets, limits, "create"),
        taskTemplate: request.template,
        inputs,
        outputPrefix: request.outputPrefix,
        taskExecutionMetadata: request.taskExecutionMetadata,
        idempotencyKey: idempotencyKeyFor(request.taskExecutionMetadata),
      });
      return connector.metadata.encode(meta);
    });
  }

  get(resourceMeta: Uint8Array, request: JobRequest, limits: CallLimits): Promise<Resource> {
    return normalised(async () => {
      const connector = this.registry.get(request.category);
      const ctx = this.#context(request.category, request.secrets, limits, "get");
      const resource = await connector.get(connector.metadata.decode(resourceMeta), ctx);
      return Resource.decode(Resource.encode(resourceToProto(resource)).finish());
    });
  }

  delete(resourceMeta: Uint8Array, request: JobRequest, limits: CallLimits): Promise<void> {
    return normalised(async () => {
      const connector = this.registry.get(request.category);
      await connector.delete(
        connector.metadata.decode(resourceMeta),
        this.#context(request.category, request.secrets, limits, "delete"),
      );
    });
  }

  close(): void {}

  #context(
    category: TaskCategory,
    secrets: Record<string, string>,
    limits: CallLimits,
    operation: string,
  ): CallContext {
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

/** Whatever a connector throws becomes a `ConnectorError`, as the server would map it. */
async function normalised<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw ConnectorError.from(error);
  }
}
