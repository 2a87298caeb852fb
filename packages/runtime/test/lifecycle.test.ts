/**
 * Health transitions, graceful shutdown and keepalive, in process: a real server on port 0 and real
 * gRPC clients (the upstream-encoded connector client and grpc-health-check's health client).
 */
import { connectivityState, credentials, loadPackageDefinition, type Client, type ServiceError } from "@grpc/grpc-js";
import { protoPath as healthProtoPath } from "grpc-health-check";
import { loadSync } from "@grpc/proto-loader";
import { spawn } from "node:child_process";
import http2 from "node:http2";
import path from "node:path";
import { ConnectorRegistry } from "@flyte-connectors/runtime";
import { ConnectorServer } from "@flyte-connectors/runtime/server";
import { TestConnector } from "./fixtures/test-connector";
import { LogCapture, createRequest, status } from "./support/requests";
import { UpstreamClient, statusOf } from "@flyte-connectors/testing";

type HealthClient = Client & {
  check(req: { service: string }, cb: (e: ServiceError | null, r: { status: string }) => void): void;
  watch(req: { service: string }): NodeJS.ReadableStream & { cancel(): void };
};

function healthClient(port: number): HealthClient {
  const definition = loadPackageDefinition(loadSync(healthProtoPath, { enums: String })) as unknown as {
    grpc: { health: { v1: { Health: new (address: string, creds: unknown) => HealthClient } } };
  };
  return new definition.grpc.health.v1.Health(`127.0.0.1:${port}`, credentials.createInsecure());
}

function check(client: HealthClient, service: string): Promise<string> {
  return new Promise((resolve, reject) => client.check({ service }, (e, r) => (e ? reject(e) : resolve(r.status))));
}

async function startServer() {
  const logs = new LogCapture();
  const server = new ConnectorServer({
    registry: new ConnectorRegistry([new TestConnector()]),
    logDestination: logs,
    processMetrics: false,
  });
  const { port, metricsPort } = await server.listen({ host: "127.0.0.1", port: 0, metricsPort: 0 });
  return { server, port, metricsUrl: `http://127.0.0.1:${metricsPort}`, logs };
}

describe("health", () => {
  it("is SERVING for the empty name and each connector service once listening; unknown services NOT_FOUND", async () => {
    const { server, port } = await startServer();
    const health = healthClient(port);
    try {
      expect(await check(health, "")).toBe("SERVING");
      expect(await check(health, "flyteidl2.connector.AsyncConnectorService")).toBe("SERVING");
      expect(await check(health, "flyteidl2.connector.ConnectorMetadataService")).toBe("SERVING");
      await expect(check(health, "nope.Service")).rejects.toMatchObject({ code: status.NOT_FOUND });
    } finally {
      health.close();
      await server.shutdown({ graceMs: 100 });
    }
  });

  it("a watcher sees NOT_SERVING when shutdown starts, while a call in flight still finishes", async () => {
    const { server, port, metricsUrl } = await startServer();
    const health = healthClient(port);
    const client = new UpstreamClient(`127.0.0.1:${port}`);
    const seen: string[] = [];
    const watch = health.watch({ service: "" });
    watch.on("data", (r: { status: string }) => seen.push(r.status));
    watch.on("error", () => {});
    try {
      await waitFor(() => seen.includes("SERVING"));
      const slow = client.createTask(createRequest({ run: "drain", custom: { behavior: "slow", delayMs: 600 } }));
      await waitFor(() => server.inFlight === 1);
      const stopped = server.shutdown({ graceMs: 5000 });
      await waitFor(() => seen.includes("NOT_SERVING"));
      expect((await fetch(`${metricsUrl}/readyz`)).status).toBe(503);
      // New calls are refused while draining...
      expect(await statusOf(new UpstreamClient(`127.0.0.1:${port}`).listConnectors({ deadlineMs: 1000 }))).toBeDefined();
      // ...and the one in flight is answered.
      const response = await slow;
      expect(response.resourceMeta.length).toBeGreaterThan(0);
      await stopped;
      expect(server.serving).toBe(false);
    } finally {
      watch.cancel();
      health.close();
      client.close();
    }
  });

  it("a call still running when the grace period ends is cancelled, and shutdown completes", async () => {
    const { server, port } = await startServer();
    const client = new UpstreamClient(`127.0.0.1:${port}`);
    try {
      const hanging = statusOf(client.createTask(createRequest({ run: "hang", custom: { behavior: "hang" } }), { deadlineMs: 30_000 }));
      await waitFor(() => server.inFlight === 1);
      const started = Date.now();
      await server.shutdown({ graceMs: 200 });
      // Well before the call's own 30 s deadline: shutdown did not wait for it.
      expect(Date.now() - started).toBeLessThan(20_000);
      // Answered UNAVAILABLE, so the client retries on another replica.
      expect((await hanging)?.code).toBe(status.UNAVAILABLE);
      expect(server.inFlight).toBe(0);
    } finally {
      client.close();
    }
  });
});

describe("shutdown with a client that holds its socket", () => {
  it("ends in bounded time while the client's event loop is blocked, instead of waiting for its socket", async () => {
    const { server, port } = await startServer();
    const child = spawn(process.execPath, [path.join(__dirname, "fixtures/blocked-client.cjs"), String(port), "60000"], {
      cwd: path.resolve(__dirname, ".."),
    });
    try {
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      await waitFor(() => out.includes("called ok"));
      await server.shutdown({ graceMs: 100 });
      // The client is still blocked (for a minute): the server did not wait for it.
      expect(out).not.toContain("unblocked");
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill("SIGKILL");
    }
  });
});

describe("max connection age", () => {
  it("closes a client's connection once it is old, and the client reconnects for its next call", async () => {
    const server = new ConnectorServer({
      registry: new ConnectorRegistry([new TestConnector()]),
      logLevel: "silent",
      processMetrics: false,
      maxConnectionAgeMs: 300,
    });
    const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
    const client = healthClient(port);
    try {
      expect(await check(client, "")).toBe("SERVING");
      // The server sends GOAWAY when the connection reaches its age: the channel leaves READY.
      await waitFor(() => client.getChannel().getConnectivityState(false) !== connectivityState.READY, 10_000);
      expect(await check(client, "")).toBe("SERVING");
    } finally {
      client.close();
      await server.shutdown({ graceMs: 100 });
    }
  });
});

describe("reflection", () => {
  it("lists the connector services and serves their descriptors (grpc.reflection.v1)", async () => {
    const { server, port } = await startServer();
    const protoFile = path.join(path.dirname(require.resolve("@grpc/reflection/package.json")), "build/proto/grpc/reflection/v1/reflection.proto");
    const pkg = loadPackageDefinition(loadSync(protoFile, { keepCase: true })) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: new (a: string, c: unknown) => Client & { ServerReflectionInfo(): NodeJS.ReadWriteStream & { end(): void; write(m: unknown): boolean } } } } };
    };
    const client = new pkg.grpc.reflection.v1.ServerReflection(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const ask = (request: Record<string, unknown>) =>
        new Promise<Record<string, any>>((resolve, reject) => {
          const stream = client.ServerReflectionInfo();
          stream.on("data", (m: Record<string, any>) => resolve(m));
          stream.on("error", reject);
          stream.write(request);
          stream.end();
        });
      const listed = await ask({ list_services: "" });
      const names = listed.list_services_response.service.map((s: { name: string }) => s.name);
      expect(names).toEqual(expect.arrayContaining(["flyteidl2.connector.AsyncConnectorService", "flyteidl2.connector.ConnectorMetadataService"]));
      const file = await ask({ file_containing_symbol: "flyteidl2.connector.AsyncConnectorService" });
      const protos = file.file_descriptor_response.file_descriptor_proto as Buffer[];
      expect(protos.length).toBeGreaterThan(0);
      expect(Buffer.concat(protos).toString("latin1")).toContain("flyteidl2/connector/service.proto");
    } finally {
      client.close();
      await server.shutdown({ graceMs: 100 });
    }
  });
});

describe("keepalive", () => {
  it("accepts client keepalive pings during a call (no GOAWAY too_many_pings)", async () => {
    const { server, port } = await startServer();
    // The backend pings every 30 s; ping every 200 ms here to make any ping policy show within the call.
    const client = new UpstreamClient(`127.0.0.1:${port}`, {
      "grpc.keepalive_time_ms": 200,
      "grpc.keepalive_timeout_ms": 1000,
      "grpc.keepalive_permit_without_calls": 1,
    });
    try {
      const response = await client.createTask(createRequest({ run: "pings", custom: { behavior: "slow", delayMs: 1500 } }));
      expect(response.resourceMeta.length).toBeGreaterThan(0);
      // The connection survived: a second call on the same channel succeeds.
      expect((await client.listConnectors()).connectors).toHaveLength(1);
    } finally {
      client.close();
      await server.shutdown({ graceMs: 100 });
    }
  });
});

describe("server keepalive pings", () => {
  async function serverWith(keepaliveMs: number) {
    const server = new ConnectorServer({
      registry: new ConnectorRegistry([new TestConnector()]),
      logDestination: new LogCapture(),
      processMetrics: false,
      keepaliveMs,
    });
    const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
    // A plain HTTP/2 connection that makes no call: the server's pings are all it will see.
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const pings: Buffer[] = [];
    session.on("ping", (payload: Buffer) => pings.push(payload));
    session.on("error", () => {});
    return { server, session, pings };
  }

  it("pings a quiet client every keepaliveMs, and never with keepaliveMs 0", async () => {
    const pinging = await serverWith(50);
    const silent = await serverWith(0);
    try {
      // Judged against each other: by the time one server has pinged three times, the other has had the
      // same time to ping and has not.
      await waitFor(() => pinging.pings.length >= 3);
      expect(silent.pings).toHaveLength(0);
      expect(pinging.session.closed).toBe(false); // answered pings keep the connection open
    } finally {
      for (const { server, session } of [pinging, silent]) {
        session.destroy();
        await server.shutdown({ graceMs: 100 });
      }
    }
  });
});

async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
