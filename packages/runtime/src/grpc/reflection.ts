import { EventEmitter } from "node:events";
import type {
  Server,
  ServerDuplexStream,
  ServiceDefinition,
  UntypedServiceImplementation,
} from "@grpc/grpc-js";

const VERSIONS = ["v1", "v1alpha"] as const;
const METHOD = "ServerReflectionInfo";
const identity = (bytes: Buffer): Buffer => bytes;

/** The reflection services' definitions, with bytes in and out: the real codecs load on first use. */
function rawDefinition(version: (typeof VERSIONS)[number]): ServiceDefinition {
  return {
    [METHOD]: {
      path: `/grpc.reflection.${version}.ServerReflection/${METHOD}`,
      requestStream: true,
      responseStream: true,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
      originalName: "serverReflectionInfo",
    },
  } as ServiceDefinition;
}

interface Loaded {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

/**
 * Adds gRPC reflection (grpc.reflection.v1 and v1alpha) for `services`, loading @grpc/reflection and
 * parsing the descriptors only when a client first asks: that costs ~0.1 s of start-up and memory for a
 * service few clients ever call. Until then the services exist with byte codecs; the first call loads the
 * real implementation and each call is bridged to it, decoding and encoding with its codecs.
 */
export function addLazyReflection(server: Pick<Server, "addService">, services: string[]): void {
  let loaded: Map<string, Loaded> | undefined;
  const load = (): Map<string, Loaded> => {
    if (loaded) return loaded;
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { ReflectionService } = require("@grpc/reflection") as typeof import("@grpc/reflection");
    const { loadFileDescriptorSetFromBuffer } =
      require("@grpc/proto-loader") as typeof import("@grpc/proto-loader");
    // 140 KB of base64: compiling it is start-up work too.
    const { FILE_DESCRIPTOR_SET } =
      require("../gen/descriptor-set") as typeof import("../gen/descriptor-set");
    /* eslint-enable @typescript-eslint/no-require-imports */
    const built = new Map<string, Loaded>();
    const definition = loadFileDescriptorSetFromBuffer(Buffer.from(FILE_DESCRIPTOR_SET, "base64"));
    new ReflectionService(definition, { services }).addToServer({
      addService: (service: ServiceDefinition, implementation: UntypedServiceImplementation) => {
        const path = (Object.values(service)[0] as { path: string }).path;
        built.set(path, { definition: service, implementation });
      },
    } as unknown as Server);
    return (loaded = built);
  };

  for (const version of VERSIONS) {
    const definition = rawDefinition(version);
    const path = (definition[METHOD] as { path: string }).path;
    server.addService(definition, {
      [METHOD]: (call: ServerDuplexStream<Buffer, Buffer>) => {
        const real = load().get(path);
        if (!real) {
          call.emit("error", { code: 12 /* UNIMPLEMENTED */, details: `${path} is not available` });
          return;
        }
        const method = Object.values(real.definition)[0] as ServiceDefinition[string];
        const handler = Object.values(real.implementation)[0] as (stream: unknown) => void;
        // The implementation reads 'data' and 'end' and calls write() and end(): bridge exactly those.
        const stream = new EventEmitter() as EventEmitter & { write(message: unknown): boolean; end(): void };
        stream.write = (message) => call.write(method.responseSerialize(message));
        stream.end = () => call.end();
        handler(stream);
        call.on("data", (bytes: Buffer) => stream.emit("data", method.requestDeserialize(bytes)));
        call.on("end", () => stream.emit("end"));
      },
    });
  }
}
