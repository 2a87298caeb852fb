/**
 * A gRPC client for the connector services whose messages are encoded and decoded by the upstream
 * protobuf-es code in @flyteorg/flyteidl2 — never by the runtime's generated types — so a wire mismatch
 * between the two fails a test. Also sends raw bytes, for malformed-request tests.
 */
import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  type CallOptions,
  type ChannelOptions,
  type Client,
  type ServiceError,
} from "@grpc/grpc-js";
import {
  create,
  fromBinary,
  toBinary,
  type DescMessage,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import {
  CreateTaskRequestSchema,
  CreateTaskResponseSchema,
  DeleteTaskRequestSchema,
  DeleteTaskResponseSchema,
  GetConnectorRequestSchema,
  GetConnectorResponseSchema,
  GetTaskLogsRequestSchema,
  GetTaskLogsResponseSchema,
  GetTaskMetricsRequestSchema,
  GetTaskMetricsResponseSchema,
  GetTaskRequestSchema,
  GetTaskResponseSchema,
  ListConnectorsRequestSchema,
  ListConnectorsResponseSchema,
  TaskExecution_Phase as Phase,
} from "./upstream";

const ASYNC = "/flyteidl2.connector.AsyncConnectorService/";
const METADATA = "/flyteidl2.connector.ConnectorMetadataService/";

function method<I extends DescMessage, O extends DescMessage>(
  path: string,
  input: I,
  output: O,
  responseStream = false,
) {
  return {
    path,
    requestStream: false,
    responseStream,
    requestSerialize: (value: MessageShape<I> | Buffer) =>
      Buffer.isBuffer(value) ? value : Buffer.from(toBinary(input, value as MessageShape<I>)),
    requestDeserialize: (bytes: Buffer) => fromBinary(input, bytes),
    responseSerialize: (value: MessageShape<O>) => Buffer.from(toBinary(output, value)),
    responseDeserialize: (bytes: Buffer) => fromBinary(output, bytes),
  };
}

const definition = {
  createTask: method(`${ASYNC}CreateTask`, CreateTaskRequestSchema, CreateTaskResponseSchema),
  getTask: method(`${ASYNC}GetTask`, GetTaskRequestSchema, GetTaskResponseSchema),
  deleteTask: method(`${ASYNC}DeleteTask`, DeleteTaskRequestSchema, DeleteTaskResponseSchema),
  getTaskMetrics: method(`${ASYNC}GetTaskMetrics`, GetTaskMetricsRequestSchema, GetTaskMetricsResponseSchema),
  getTaskLogs: method(`${ASYNC}GetTaskLogs`, GetTaskLogsRequestSchema, GetTaskLogsResponseSchema, true),
  listConnectors: method(
    `${METADATA}ListConnectors`,
    ListConnectorsRequestSchema,
    ListConnectorsResponseSchema,
  ),
  getConnector: method(`${METADATA}GetConnector`, GetConnectorRequestSchema, GetConnectorResponseSchema),
};

const ClientCtor = makeGenericClientConstructor(definition, "Connector");

/** A request as the upstream protobuf-es `create()` takes it (oneofs as `{ case, value }`). */
export type Init<D extends DescMessage> = MessageInitShape<D>;

/** The method names `sendRaw` takes. */
export type RpcName = keyof typeof definition;

/**
 * The channel options the Flyte backend's client sets: keepalive pings every 30 s while a call is active
 * (10 s to answer), none while idle, and round-robin balancing over the resolved addresses.
 */
export const BACKEND_CHANNEL_OPTIONS: ChannelOptions = Object.freeze({
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.keepalive_permit_without_calls": 0,
  "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
});

export interface RpcOptions {
  /** Milliseconds from now. Default 10 s, as the backend. */
  deadlineMs?: number;
  /** Cancels the call when aborted. */
  signal?: AbortSignal;
}

/**
 * @example
 * ```ts
 * const client = new UpstreamClient("127.0.0.1:8000");
 * const { resourceMeta } = await client.createTask({ template: { type: "echo" }, taskExecutionMetadata: executionMetadata("run-1") });
 * const { resource } = await client.getTask({ resourceMeta, taskCategory: { name: "echo", version: 0 } });
 * client.close();
 * ```
 */
export class UpstreamClient {
  readonly raw: Client;

  /** `channelOptions`: grpc-js channel options, e.g. `BACKEND_CHANNEL_OPTIONS`. Default none. */
  constructor(address: string, channelOptions: ChannelOptions = {}) {
    this.raw = new ClientCtor(address, credentials.createInsecure(), channelOptions);
  }

  createTask(init: Init<typeof CreateTaskRequestSchema>, options?: RpcOptions) {
    return this.#unary("createTask", create(CreateTaskRequestSchema, init), options) as Promise<
      MessageShape<typeof CreateTaskResponseSchema>
    >;
  }

  getTask(init: Init<typeof GetTaskRequestSchema>, options?: RpcOptions) {
    return this.#unary("getTask", create(GetTaskRequestSchema, init), options) as Promise<
      MessageShape<typeof GetTaskResponseSchema>
    >;
  }

  deleteTask(init: Init<typeof DeleteTaskRequestSchema>, options?: RpcOptions) {
    return this.#unary("deleteTask", create(DeleteTaskRequestSchema, init), options) as Promise<
      MessageShape<typeof DeleteTaskResponseSchema>
    >;
  }

  getTaskMetrics(init: Init<typeof GetTaskMetricsRequestSchema>, options?: RpcOptions) {
    return this.#unary("getTaskMetrics", create(GetTaskMetricsRequestSchema, init), options) as Promise<
      MessageShape<typeof GetTaskMetricsResponseSchema>
    >;
  }

  listConnectors(options?: RpcOptions) {
    return this.#unary("listConnectors", create(ListConnectorsRequestSchema, {}), options) as Promise<
      MessageShape<typeof ListConnectorsResponseSchema>
    >;
  }

  getConnector(name: string, options?: RpcOptions) {
    return this.#unary("getConnector", create(GetConnectorRequestSchema, { name }), options) as Promise<
      MessageShape<typeof GetConnectorResponseSchema>
    >;
  }

  /** Every message of a GetTaskLogs stream. */
  async getTaskLogs(init: Init<typeof GetTaskLogsRequestSchema>, options?: RpcOptions) {
    const stream = (
      this.raw as unknown as Record<
        string,
        (req: unknown, md: Metadata, opts: CallOptions) => NodeJS.ReadableStream
      >
    ).getTaskLogs(create(GetTaskLogsRequestSchema, init), new Metadata(), callOptions(options));
    const messages: Array<MessageShape<typeof GetTaskLogsResponseSchema>> = [];
    for await (const message of stream as AsyncIterable<MessageShape<typeof GetTaskLogsResponseSchema>>)
      messages.push(message);
    return messages;
  }

  /**
   * GetTask until the phase is terminal, `pauseMs` apart, at most `maxPolls` times: the last resource
   * and every phase seen, in order (repeats collapsed).
   */
  async pollUntilTerminal(init: Init<typeof GetTaskRequestSchema>, { pauseMs = 10, maxPolls = 200 } = {}) {
    const seen: Phase[] = [];
    for (let i = 0; i < maxPolls; i++) {
      const resource = (await this.getTask(init)).resource!;
      if (seen[seen.length - 1] !== resource.phase) seen.push(resource.phase);
      if (TERMINAL_PHASES.includes(resource.phase)) return { resource, seen };
      await new Promise((r) => setTimeout(r, pauseMs));
    }
    throw new Error(`no terminal phase; saw ${seen.join(",")}`);
  }

  /** Sends raw bytes as a method's request: for malformed-request tests. */
  sendRaw(name: RpcName, bytes: Buffer, options?: RpcOptions): Promise<unknown> {
    return this.#unary(name, bytes, options);
  }

  close(): void {
    this.raw.close();
  }

  #unary(name: string, request: unknown, options?: RpcOptions): Promise<unknown> {
    const fn = (this.raw as unknown as Record<string, (...args: unknown[]) => { cancel(): void }>)[name];
    return new Promise((resolve, reject) => {
      const signal = options?.signal;
      const onAbort = () => call.cancel();
      const call = fn.call(
        this.raw,
        request,
        new Metadata(),
        callOptions(options),
        (error: ServiceError | null, value: unknown) => {
          signal?.removeEventListener("abort", onAbort);
          if (error) reject(error);
          else resolve(value);
        },
      );
      if (signal?.aborted) call.cancel();
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

const TERMINAL_PHASES = [Phase.SUCCEEDED, Phase.FAILED, Phase.ABORTED, Phase.RETRYABLE_FAILED];

function callOptions(options: RpcOptions = {}): CallOptions {
  return { deadline: Date.now() + (options.deadlineMs ?? 10_000) };
}

/** The status code of a rejected call (or undefined when it did not fail). */
export async function statusOf(
  promise: Promise<unknown>,
): Promise<{ code: number; details: string } | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    const e = error as ServiceError;
    return { code: e.code, details: e.details };
  }
}
