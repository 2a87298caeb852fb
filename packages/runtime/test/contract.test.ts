/**
 * The error and cancellation contract: errors from another copy of the runtime, the call's signal and
 * `beforeDeadline()`, log streams stopped by the client, and bounded logging of request fields.
 */
import { cpSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { create } from "@bufbuild/protobuf";
import { GetTaskLogsRequestSchema } from "@flyteorg/flyteidl2/flyteidl2/connector/connector_pb.ts";
import { status, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import pino from "pino";
import {
  AsyncConnector,
  ConfigurationError,
  ConnectorError,
  ConnectorRegistry,
  TaskExecutionPhase as Phase,
  jsonMeta,
  type CallContext,
  type LogChunk,
  type Resource,
} from "@flyte-connectors/runtime";
import { CallPipeline, CallScope } from "@flyte-connectors/runtime/pipeline";
import { ConnectorServer } from "@flyte-connectors/runtime/server";
import { GetTaskRequest } from "@flyte-connectors/runtime/wire";
import { LogCapture, meta } from "./support/requests";
import { UpstreamClient, statusOf } from "@flyte-connectors/testing";

type Meta = { job_id: string };

/** A second copy of the built runtime, as a connector package with its own dependency would bring. */
const copy = path.resolve(__dirname, "../../../tmp", `runtime-copy-${process.pid}`);
afterAll(() => rmSync(copy, { recursive: true, force: true }));

function loadSecondCopy(): typeof import("@flyte-connectors/runtime") {
  const root = path.resolve(__dirname, "..");
  rmSync(copy, { recursive: true, force: true });
  mkdirSync(copy, { recursive: true });
  cpSync(path.join(root, "dist"), path.join(copy, "dist"), { recursive: true });
  cpSync(path.join(root, "package.json"), path.join(copy, "package.json"));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(copy, "dist/index.js"));
}

describe("ConnectorError across two copies of the runtime", () => {
  const other = loadSecondCopy();

  it("is recognised by a brand, not by identity", () => {
    expect(other.ConnectorError).not.toBe(ConnectorError);
    const foreign = other.ConnectorError.notFound("dataset gone");
    expect(foreign).toBeInstanceOf(ConnectorError);
    expect(ConnectorError.from(foreign)).toBe(foreign);
    // Look-alikes without the brand, and branded objects with a code outside the closed set, are not.
    expect({ name: "ConnectorError", code: "not_found", message: "x" }).not.toBeInstanceOf(ConnectorError);
    const wrongCode = other.ConnectorError.notFound("x");
    Object.defineProperty(wrongCode, "code", { value: "teapot" });
    expect(wrongCode).not.toBeInstanceOf(ConnectorError);
    // Subclasses keep the plain prototype check.
    class MyError extends ConnectorError {}
    expect(new MyError("internal", "x")).toBeInstanceOf(MyError);
    expect(ConnectorError.internal("x")).not.toBeInstanceOf(MyError);
  });

  it("keeps its status through a server of this copy (not INTERNAL)", async () => {
    class OtherCopyConnector extends other.AsyncConnector<Meta> {
      readonly name = "Other Copy";
      readonly taskTypeName = "other_copy";
      readonly metadata = other.jsonMeta<Meta>(["job_id"]);
      async create(): Promise<Meta> {
        return { job_id: "j" };
      }
      async get(): Promise<Resource> {
        throw other.ConnectorError.permissionDenied("the warehouse refused the service account");
      }
      async delete(): Promise<void> {}
    }
    const server = new ConnectorServer({
      registry: new ConnectorRegistry([new OtherCopyConnector()]),
      logLevel: "silent",
      processMetrics: false,
    });
    const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
    const client = new UpstreamClient(`127.0.0.1:${port}`);
    try {
      const failure = await statusOf(
        client.getTask({
          resourceMeta: meta({ job_id: "j" }),
          taskCategory: { name: "other_copy", version: 0 },
        }),
      );
      expect(failure).toMatchObject({
        code: status.PERMISSION_DENIED,
        details: "the warehouse refused the service account",
      });
    } finally {
      client.close();
      await server.shutdown({ graceMs: 100 });
    }
  });
});

describe("mistakes in setup are ConfigurationErrors", () => {
  it("a duplicate task type and a non-connector", () => {
    const registry = new ConnectorRegistry([new ProbeConnector()]);
    expect(() => registry.register(new ProbeConnector())).toThrow(ConfigurationError);
    expect(() => registry.register({} as never)).toThrow(ConfigurationError);
    expect(() => registry.register(new ProbeConnector())).not.toThrow(ConnectorError);
  });
});

/** Records what each call's context did; `get` behaves by job id. */
class ProbeConnector extends AsyncConnector<Meta> {
  readonly name = "Probe";
  readonly taskTypeName = "probe";
  readonly metadata = jsonMeta<Meta>(["job_id"]);
  readonly signals: AbortSignal[] = [];
  readonly marginSignals: AbortSignal[] = [];
  readonly logsClosed: string[] = [];
  releaseLogs: (() => void) | undefined;

  async create(): Promise<Meta> {
    return { job_id: "j" };
  }

  async get({ job_id }: Meta, ctx: CallContext): Promise<Resource> {
    this.signals.push(ctx.signal);
    if (job_id === "until-margin") {
      const soon = ctx.beforeDeadline(200);
      this.marginSignals.push(soon);
      await new Promise((resolve) => soon.addEventListener("abort", resolve, { once: true }));
      // The margin fired and the call itself did not: answer "not yet" in time.
      return { phase: Phase.RUNNING, message: `not yet (${ctx.signal.aborted ? "aborted" : "in time"})` };
    }
    return { phase: Phase.RUNNING, message: `left ${ctx.timeLeft() > 0 ? "some" : "none"}` };
  }

  async delete(): Promise<void> {}

  override async *getLogs({ job_id }: Meta): AsyncIterable<LogChunk> {
    try {
      yield { lines: ["first"] };
      // Hold the stream open until the test lets it go (the client cancels meanwhile).
      await new Promise<void>((resolve) => (this.releaseLogs = resolve));
      yield { lines: ["second"] };
    } finally {
      this.logsClosed.push(job_id);
    }
  }
}

describe("the call's signal and deadline", () => {
  function pipeline(connector: ProbeConnector) {
    return new CallPipeline({
      registry: new ConnectorRegistry([connector]),
      logger: pino({ level: "silent" }),
    });
  }
  const request = (jobId: string) =>
    GetTaskRequest.decode(
      GetTaskRequest.encode({
        resourceMeta: Buffer.from(meta({ job_id: jobId })),
        taskCategory: { name: "probe", version: 0 },
        outputPrefix: "",
        connection: undefined,
      }).finish(),
    );

  it("fires when the call has been answered, so work left running stops", async () => {
    const connector = new ProbeConnector();
    const response = await pipeline(connector).getTask(
      request("plain"),
      new CallScope({ deadline: Date.now() + 10_000 }),
    );
    expect(response.resource?.message).toBe("left some");
    expect(connector.signals[0].aborted).toBe(true);
    expect(connector.signals[0].reason).toMatchObject({ name: "AbortError", message: "the call has ended" });
  });

  it("beforeDeadline(margin) fires before the deadline, while the call's own signal has not", async () => {
    const connector = new ProbeConnector();
    const scope = new CallScope({ deadline: Date.now() + 600, enforceDeadline: true });
    const response = await pipeline(connector).getTask(request("until-margin"), scope);
    expect(response.resource).toMatchObject({ phase: Phase.RUNNING, message: "not yet (in time)" });
    expect(connector.marginSignals[0].reason).toMatchObject({ name: "TimeoutError" });
  });

  it("a cancelled call rejects at once as aborted, whatever the connector does", async () => {
    const connector = new ProbeConnector();
    const scope = new CallScope({ deadline: Date.now() + 60_000 });
    const call = pipeline(connector).getTask(request("until-margin"), scope);
    scope.cancel();
    await expect(call).rejects.toMatchObject({ code: "aborted", message: "the client cancelled the call" });
    expect(connector.signals[0].reason).toMatchObject({ name: "AbortError" });
  });

  it("a call's timers are its own: ending it clears them (no timer keeps the process alive)", async () => {
    const scope = new CallScope({ deadline: Date.now() + 60_000, enforceDeadline: true });
    scope.beforeDeadline(1000);
    scope.beforeDeadline(1000); // one timer per margin, however often asked
    const before = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    scope.end();
    const after = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    expect(before - after).toBe(2);
  });

  it.each(["cancel", "expire", "shutdown"] as const)(
    "a call stopped by %s clears its timers at once, without waiting for end()",
    (stop) => {
      const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
      const scope = new CallScope({ deadline: Date.now() + 60_000, enforceDeadline: true });
      const margin = scope.beforeDeadline(1000);
      const before = timeouts();
      scope[stop]();
      expect(before - timeouts()).toBe(2);
      expect([scope.signal.aborted, margin.aborted]).toEqual([true, true]);
      scope.end();
    },
  );
});

describe("over gRPC", () => {
  let connector: ProbeConnector;
  let server: ConnectorServer;
  let client: UpstreamClient;
  let logs: LogCapture;

  beforeAll(async () => {
    connector = new ProbeConnector();
    logs = new LogCapture();
    server = new ConnectorServer({
      registry: new ConnectorRegistry([connector]),
      logDestination: logs,
      processMetrics: false,
    });
    const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
    client = new UpstreamClient(`127.0.0.1:${port}`);
  });

  afterAll(async () => {
    client.close();
    await server.shutdown({ graceMs: 100 });
  });

  it("a log stream the client cancels is closed, and counted as failed, not answered", async () => {
    // The stream by hand: cancel as soon as the first part arrives.
    const request = create(GetTaskLogsRequestSchema, {
      resourceMeta: meta({ job_id: "logs-1" }),
      taskCategory: { name: "probe", version: 0 },
    });
    const open = (client.raw as unknown as Record<string, (r: unknown) => ClientReadableStream<unknown>>).getTaskLogs;
    const stream = open.call(client.raw, request);
    const received: unknown[] = [];
    const code = await new Promise<number>((resolve) => {
      stream.on("data", (part) => {
        received.push(part);
        stream.cancel();
      });
      stream.on("error", (error: ServiceError) => resolve(error.code));
      stream.on("end", () => resolve(status.OK));
    });
    expect(code).toBe(status.CANCELLED);
    expect(received).toHaveLength(1);
    // The server noticed without the connector yielding again; then the connector's iterator is closed.
    await waitFor(() => server.inFlight === 0);
    connector.releaseLogs?.();
    await waitFor(() => connector.logsClosed.includes("logs-1"));
    const metrics = await server.metrics.text();
    expect(metrics).toMatch(
      /flyte_connector_requests_failure_total\{task_type="probe",operation="get_logs",error_code="aborted"\} 1/,
    );
    expect(metrics).not.toMatch(
      /flyte_connector_requests_success_total\{task_type="probe",operation="get_logs"\}/,
    );
  });

  it("a 1 MiB task type name gets a bounded NOT_FOUND and a bounded log line", async () => {
    const huge = "t".repeat(1 << 20);
    logs.lines.length = 0;
    const { code, details } = (await statusOf(
      client.getTask({ resourceMeta: meta({ job_id: "j" }), taskCategory: { name: huge, version: 0 } }),
    ))!;
    expect(code).toBe(status.NOT_FOUND);
    expect(details.length).toBeLessThanOrEqual(1000);
    expect(details).toMatch(/^no connector for task type "t+…" version 0/);
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const line of logs.lines) expect(line.length).toBeLessThan(8 * 1024);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}
