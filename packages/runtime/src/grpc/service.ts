import { BinaryWriter } from "../protobuf-wire";
import type { sendUnaryData, ServiceDefinition } from "@grpc/grpc-js";
import { ConnectorError } from "../errors";
import type { GetTaskLogsResponse } from "../gen/flyteidl2/connector/connector";
import type {
  AsyncConnectorServiceServer,
  ConnectorMetadataServiceServer,
} from "../gen/flyteidl2/connector/service";
import { CallScope } from "../pipeline/call-scope";
import type { CallPipeline } from "../pipeline/call-pipeline";
import { MalformedRequest } from "../pipeline/malformed-request";
import { toStatus } from "./status";

/** What every grpc-js server call offers (grpc-js does not export a name for it). */
interface ServerCall {
  getDeadline(): Date | number;
  on(event: "cancelled", listener: () => void): unknown;
}

/** A cancel this close to the deadline is grpc-js's own deadline timer (timers round; loaded hosts lag). */
const DEADLINE_SLACK_MS = 100;

/** The server counts calls in flight (for graceful shutdown) through these. */
export interface ServiceHooks {
  /** A call starts. */
  enter(scope: CallScope): void;
  /** A call has been answered. */
  leave(scope: CallScope): void;
}

/**
 * The gRPC face of the call pipeline: AsyncConnectorService and ConnectorMetadataService handlers that
 * turn each grpc-js call into a `CallScope` (its deadline; a cancel, or grpc-js' deadline timer, aborts
 * it), hand the decoded request to the pipeline, and answer with its response or its error's status.
 *
 * The pipeline comes from `pipeline()`, asked on every call: the server makes it on the first call, so
 * the pipeline's modules (literal conversion, generated task types) load after it answers SERVING.
 */
export class GrpcConnectorService {
  constructor(
    private readonly pipeline: () => CallPipeline,
    private readonly hooks: ServiceHooks,
  ) {}

  /** The service definitions to register: undecodable requests reach the pipeline as `MalformedRequest`. */
  static definitions(): { asyncConnector: ServiceDefinition; metadata: ServiceDefinition } {
    return { asyncConnector: lazyDefinition("asyncConnector"), metadata: lazyDefinition("metadata") };
  }

  // Requests that did not decode arrive as `MalformedRequest` (see `lazyDefinition`); the pipeline answers them.
  asyncConnectorService(): AsyncConnectorServiceServer {
    const { pipeline } = this;
    return {
      createTask: (call, callback) =>
        this.#unary(call, callback, (scope) => pipeline().createTask(call.request, scope)),
      getTask: (call, callback) =>
        this.#unary(call, callback, (scope) => pipeline().getTask(call.request, scope)),
      deleteTask: (call, callback) =>
        this.#unary(call, callback, (scope) => pipeline().deleteTask(call.request, scope)),
      getTaskMetrics: (call, callback) =>
        this.#unary(call, callback, (scope) => pipeline().getTaskMetrics(call.request, scope)),
      getTaskLogs: (call) => {
        const scope = this.#scope(call);
        this.hooks.enter(scope);
        const send = (message: GetTaskLogsResponse) =>
          new Promise<void>((resolve) => {
            if (call.write(message)) resolve();
            else call.once("drain", resolve);
          });
        started((s) => pipeline().getTaskLogs(call.request, s, send), scope).then(
          () => {
            this.hooks.leave(scope);
            call.end();
          },
          (error: ConnectorError) => {
            this.hooks.leave(scope);
            call.emit("error", toStatus(error));
          },
        );
      },
    };
  }

  connectorMetadataService(): ConnectorMetadataServiceServer {
    const { pipeline } = this;
    return {
      listConnectors: (_call, callback) => answerNow(callback, () => pipeline().listConnectors()),
      getConnector: (call, callback) => answerNow(callback, () => pipeline().getConnector(call.request)),
    };
  }

  #unary<T>(call: ServerCall, callback: sendUnaryData<T>, run: (scope: CallScope) => Promise<T>): void {
    const scope = this.#scope(call);
    this.hooks.enter(scope);
    started(run, scope).then(
      (response) => {
        this.hooks.leave(scope);
        callback(null, response);
      },
      (error: ConnectorError) => {
        this.hooks.leave(scope);
        callback(toStatus(error));
      },
    );
  }

  #scope(call: ServerCall): CallScope {
    const at = call.getDeadline();
    const deadline = typeof at === "number" ? at : at.getTime();
    const scope = new CallScope({ deadline: Number.isFinite(deadline) ? deadline : undefined });
    // grpc-js reports both a client's cancel and its own deadline timer as "cancelled" (and also after it
    // sent the answer, when the scope has ended and ignores it); the clock tells the two apart.
    call.on("cancelled", () => {
      if (scope.deadline !== undefined && Date.now() >= scope.deadline - DEADLINE_SLACK_MS) scope.expire();
      else scope.cancel();
    });
    return scope;
  }
}

/** Answers a synchronous call with `answer()`, or with the status of what it threw. */
function answerNow<T>(callback: sendUnaryData<T>, answer: () => T): void {
  try {
    callback(null, answer());
  } catch (error) {
    callback(toStatus(ConnectorError.from(error)));
  }
}

/** `start(scope)`'s promise, or a rejection with what it threw (the pipeline could not be made). */
function started<T>(start: (scope: CallScope) => Promise<T>, scope: CallScope): Promise<T> {
  try {
    return start(scope);
  } catch (error) {
    return Promise.reject(ConnectorError.from(error));
  }
}

/** What a generated message type offers for encoding. */
interface Encoder {
  encode(message: never, writer: BinaryWriter): BinaryWriter;
}

/**
 * The two services' methods: their paths and shapes, as the generated definitions have them (a test checks
 * they agree). The generated codecs are ~70 KB of code with their imports; they load on the first call
 * rather than before the server can answer its first health check.
 */
export const SERVICE_METHODS = {
  asyncConnector: {
    createTask: { path: "/flyteidl2.connector.AsyncConnectorService/CreateTask", responseStream: false },
    getTask: { path: "/flyteidl2.connector.AsyncConnectorService/GetTask", responseStream: false },
    deleteTask: { path: "/flyteidl2.connector.AsyncConnectorService/DeleteTask", responseStream: false },
    getTaskMetrics: {
      path: "/flyteidl2.connector.AsyncConnectorService/GetTaskMetrics",
      responseStream: false,
    },
    getTaskLogs: { path: "/flyteidl2.connector.AsyncConnectorService/GetTaskLogs", responseStream: true },
  },
  metadata: {
    getConnector: {
      path: "/flyteidl2.connector.ConnectorMetadataService/GetConnector",
      responseStream: false,
    },
    listConnectors: {
      path: "/flyteidl2.connector.ConnectorMetadataService/ListConnectors",
      responseStream: false,
    },
  },
} as const;

type ServiceName = keyof typeof SERVICE_METHODS;

interface Generated {
  definitions: Record<ServiceName, ServiceDefinition>;
  /** The response type of each method, to encode answers without the generated serializer's extra copy. */
  responses: Record<string, Encoder>;
}

let generated: Generated | undefined;

function loadGenerated(): Generated {
  if (generated) return generated;
  /* eslint-disable @typescript-eslint/no-require-imports */
  const services =
    require("../gen/flyteidl2/connector/service") as typeof import("../gen/flyteidl2/connector/service");
  const m =
    require("../gen/flyteidl2/connector/connector") as typeof import("../gen/flyteidl2/connector/connector");
  /* eslint-enable @typescript-eslint/no-require-imports */
  return (generated = {
    definitions: {
      asyncConnector: services.AsyncConnectorServiceService as ServiceDefinition,
      metadata: services.ConnectorMetadataServiceService as ServiceDefinition,
    },
    responses: {
      createTask: m.CreateTaskResponse,
      getTask: m.GetTaskResponse,
      deleteTask: m.DeleteTaskResponse,
      getTaskMetrics: m.GetTaskMetricsResponse,
      getTaskLogs: m.GetTaskLogsResponse,
      listConnectors: m.ListConnectorsResponse,
      getConnector: m.GetConnectorResponse,
    },
  });
}

// One writer for every answer: encoding is synchronous, and `finish()` hands back a copy of exactly the
// bytes written and resets the writer, which keeps its grown buffer instead of allocating one per call.
const writer = new BinaryWriter();

/**
 * A service definition whose codecs load on first use; whose requests that fail to decode reach the
 * handler as `MalformedRequest`, which the pipeline answers INVALID_ARGUMENT (grpc-js alone would answer
 * INTERNAL); and whose answers are encoded once into the buffer sent (the generated serializer copies
 * them), the last one kept while the handler answers the very same object again (ListConnectors, every
 * 10 s from every backend replica).
 */
function lazyDefinition(service: ServiceName): ServiceDefinition {
  const wrapped: Record<string, ServiceDefinition[string]> = {};
  for (const [name, { path, responseStream }] of Object.entries(SERVICE_METHODS[service])) {
    const method = () => loadGenerated().definitions[service][name];
    let last: { value: unknown; bytes: Buffer } | undefined;
    wrapped[name] = {
      path,
      requestStream: false,
      responseStream,
      requestSerialize: (value: unknown) => method().requestSerialize(value),
      responseDeserialize: (bytes: Buffer) => method().responseDeserialize(bytes),
      requestDeserialize: (bytes: Buffer) => {
        try {
          return method().requestDeserialize(bytes);
        } catch (error) {
          return new MalformedRequest(error instanceof Error ? error.message : String(error));
        }
      },
      responseSerialize: (value: unknown): Buffer => {
        if (last !== undefined && last.value === value) return last.bytes;
        let encoded: Uint8Array;
        try {
          encoded = loadGenerated()
            .responses[name].encode(value as never, writer)
            .finish();
        } catch (error) {
          writer.finish(); // leave the shared writer empty for the next answer
          throw error;
        }
        const bytes = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
        last = { value, bytes };
        return bytes;
      },
    };
  }
  return wrapped;
}
