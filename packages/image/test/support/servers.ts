/**
 * Real servers for the image tests: free ports, spawned processes, gRPC health and ListConnectors
 * asked over the wire (messages decoded by the upstream @flyteorg/flyteidl2 code).
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { createServer } from "node:net";
import { credentials, makeGenericClientConstructor } from "@grpc/grpc-js";
import { fromBinary } from "@bufbuild/protobuf";
import { ListConnectorsResponseSchema } from "@flyteorg/flyteidl2/flyteidl2/connector/connector_pb.ts";
import { UpstreamClient } from "@flyte-connectors/testing";

/** A port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export const HEALTH_STATUS = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"] as const;

/** grpc.health.v1 HealthCheckRequest {service}: field 1, a string. */
export function encodeHealthRequest(service = ""): Buffer {
  const name = Buffer.from(service, "utf8");
  return name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a, name.length]), name]);
}

/** grpc.health.v1 HealthCheckResponse {status}: field 1, a small enum (absent means UNKNOWN). */
export function decodeHealthStatus(bytes: Buffer): (typeof HEALTH_STATUS)[number] {
  return bytes.length >= 2 && bytes[0] === 0x08 ? (HEALTH_STATUS[bytes[1]] ?? "UNKNOWN") : "UNKNOWN";
}

const HealthClient = makeGenericClientConstructor(
  {
    check: {
      path: "/grpc.health.v1.Health/Check",
      requestStream: false,
      responseStream: false,
      requestSerialize: (b: Buffer) => b,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (b: Buffer) => b,
      responseDeserialize: (b: Buffer) => b,
    },
  },
  "Health",
);

/** One health check; rejects when the server does not answer. */
export function healthCheck(
  address: string,
  service = "",
  deadlineMs = 2_000,
): Promise<(typeof HEALTH_STATUS)[number]> {
  const client = new HealthClient(address, credentials.createInsecure());
  return new Promise((resolve, reject) => {
    type Check = (
      request: Buffer,
      options: { deadline: number },
      callback: (error: Error | null, bytes: Buffer) => void,
    ) => void;
    (client as unknown as { check: Check }).check(
      encodeHealthRequest(service),
      { deadline: Date.now() + deadlineMs },
      (error, bytes) => {
        client.close();
        if (error) reject(error);
        else resolve(decodeHealthStatus(bytes));
      },
    );
  });
}

/**
 * Asks until the server reports SERVING. `attempts` bounds the wait by count, not by the clock, so a busy
 * machine only makes it slower; `exited` ends the wait early when the process died.
 */
export async function waitForServing(
  address: string,
  options: { attempts?: number; exited?: () => string | undefined } = {},
): Promise<void> {
  let last: unknown;
  for (let i = 0; i < (options.attempts ?? 600); i++) {
    const died = options.exited?.();
    if (died !== undefined) throw new Error(`server exited before serving: ${died}`);
    try {
      if ((await healthCheck(address)) === "SERVING") return;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${address} never reported SERVING: ${String(last)}`);
}

/** Task types ListConnectors reports, sorted (decoded by the upstream code). */
export async function listedTaskTypes(address: string): Promise<string[]> {
  const client = new UpstreamClient(address);
  try {
    const response = await client.listConnectors();
    return response.connectors.flatMap((c) => c.supportedTaskCategories.map((t) => t.name)).sort();
  } finally {
    client.close();
  }
}

/** Decodes a ListConnectors response a probe sent back as base64. */
export function taskTypesFromBytes(base64: string): string[] {
  const response = fromBinary(ListConnectorsResponseSchema, Buffer.from(base64, "base64"));
  return response.connectors.flatMap((c) => c.supportedTaskCategories.map((t) => t.name)).sort();
}

export interface RunningProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Exit description once it has exited, else undefined. */
  exited(): string | undefined;
  /** Sends `signal` and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code when the process ends by itself. */
  exit: Promise<number | null>;
}

/** Spawns a long-running process and keeps its output for assertions and failure messages. */
export function startProcess(command: string, args: string[], options: SpawnOptions = {}): RunningProcess {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  child.stdout!.on("data", (c: Buffer) => (text += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (text += c.toString()));
  let exitInfo: string | undefined;
  const exit = new Promise<number | null>((resolve) => {
    child.on("exit", (code, signal) => {
      exitInfo = `exit ${code ?? signal}: ${text.slice(-2000)}`;
      resolve(code);
    });
  });
  return {
    child,
    output: () => text,
    exited: () => exitInfo,
    exit,
    stop: (signal = "SIGTERM") => {
      if (exitInfo === undefined) child.kill(signal);
      return exit;
    },
  };
}
