// A real gRPC client (grpc-js) that sends and receives raw bytes: it checks grpc-status — which h2load
// does not — before and after every load, and captures the connector server's answers for the bare
// server to replay. Raw bytes keep it free of generated code; the upstream encoder builds the messages.
import net from "node:net";
import grpc from "@grpc/grpc-js";
import { sleep } from "./system.mjs";

const identity = (bytes) => bytes;

/** One unary call: resolves `{ code, details, bytes }` (code 0 is OK); never rejects. */
export function unaryRaw(address, methodPath, request, { deadlineMs = 5000 } = {}) {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      methodPath,
      identity,
      identity,
      Buffer.from(request),
      new grpc.Metadata(),
      { deadline: Date.now() + deadlineMs },
      (error, bytes) => {
        client.close();
        resolve(
          error
            ? { code: error.code, details: error.details, bytes: undefined }
            : { code: 0, details: "", bytes },
        );
      },
    );
  });
}

/** The name of a gRPC status code, for messages. */
export const statusName = (code) =>
  Object.keys(grpc.status).find((k) => grpc.status[k] === code) ?? String(code);

/** Resolves once something accepts TCP connections on the port (polled every 2 ms). */
async function portOpen(port, deadline) {
  for (;;) {
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await sleep(2);
  }
}

/**
 * Waits for grpc.health.v1 Check("") to answer SERVING. The port is probed over plain TCP first: a grpc-js
 * channel that meets a closed port backs off for a second before retrying, which would swamp a
 * start-up measured in tens of milliseconds. Both servers are detected the same way.
 */
export async function waitServing(port, { timeoutMs = 30_000, exited } = {}) {
  const deadline = Date.now() + timeoutMs;
  const check = async () => {
    await portOpen(port, deadline);
    for (;;) {
      // HealthCheckRequest{service: ""} is the empty message; the answer's field 1 is the status.
      const answer = await unaryRaw(`127.0.0.1:${port}`, "/grpc.health.v1.Health/Check", Buffer.alloc(0), {
        deadlineMs: 1000,
      });
      if (answer.code === 0 && answer.bytes.length >= 2 && answer.bytes[0] === 0x08 && answer.bytes[1] === 1)
        return;
      if (Date.now() > deadline)
        throw new Error(`port ${port} never answered SERVING (last: ${statusName(answer.code)})`);
      await sleep(2);
    }
  };
  // A server that dies during start-up must fail the bench at once, not after the timeout.
  await (exited ? Promise.race([check(), exited.then((why) => Promise.reject(new Error(why)))]) : check());
}
