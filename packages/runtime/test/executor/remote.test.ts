/**
 * Remote mode: the same executor loop against a real ConnectorServer over gRPC, serving the same
 * connector registry as the in-process runs.
 */
import {
  AsyncConnectorExecutorMixin,
  TaskExecutionPhase as Phase,
  TaskTemplate,
  type ConnectorRegistry,
} from "@flyte-connectors/runtime";
import { ConnectorServer } from "@flyte-connectors/runtime/server";
import { TaskAbortedError, TaskFailedError, TaskTimeoutError } from "@flyte-connectors/runtime/executor";
import { AddTask, localAttemptKey, messages, setup, until } from "./scripted";

async function serve(registry: ConnectorRegistry): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const server = new ConnectorServer({ registry, logLevel: "silent", processMetrics: false });
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  return { endpoint: `127.0.0.1:${port}`, close: () => server.shutdown({ graceMs: 100 }) };
}

let env: ReturnType<typeof setup> & { endpoint: string; close: () => Promise<void> };

beforeEach(async () => {
  const s = setup();
  env = { ...s, ...(await serve(s.registry)) };
});

afterEach(() => env.close());

describe("execute({ endpoint }) over gRPC", () => {
  it.each([
    ["fractions", { a: 20, b: 22 }],
    ["an integral float", { a: 4, b: 2 }],
    ["an optional input", { a: 1, b: 3, note: "x" }],
  ])("returns the same outputs as in process (%s), and reports the same events", async (_name, inputs) => {
    const { options, logs, endpoint } = env;
    const task = new AddTask([["QUEUED", "RUNNING:epoch 1", "SUCCEEDED"]]);
    const local = await task.execute(inputs, options);
    const localEvents = messages(logs);
    logs.lines.length = 0;
    const remote = await task.execute(inputs, { ...options, endpoint });
    expect(remote).toEqual(local);
    expect(remote.report.constructor).toBe(local.report.constructor);
    expect(typeof remote.ratio).toBe("number");
    expect(messages(logs)).toEqual(localEvents);
  });

  it("sends the execution id and connection secrets: the server derives the same idempotency keys, attempt by attempt", async () => {
    const { connector, options, endpoint } = env;
    const outputs = await new AddTask([["RETRYABLE_FAILED"], ["SUCCEEDED"]], { retries: 1 }).execute(
      { a: 1, b: 1 },
      { ...options, endpoint, secrets: { token: "remote-token-1" } },
    );
    expect(outputs.total).toBe(2);
    const [first, second] = connector.creates;
    expect(connector.creates.map((c) => [c.retryAttempt, c.nodeId, c.token])).toEqual([
      [0, "add", "remote-token-1"],
      [1, "add", "remote-token-1"],
    ]);
    expect([first.key, second.key]).toEqual([localAttemptKey(first.run!, 0), localAttemptKey(first.run!, 1)]);
    expect(connector.deletes).toEqual(["job-1"]);
  });

  it("FAILED rejects with TaskFailedError, as in process", async () => {
    const { options, endpoint } = env;
    const error = await new AddTask([["FAILED:bad data"]])
      .execute({ a: 1, b: 1 }, { ...options, endpoint })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({ phase: Phase.FAILED, reason: "bad data", attempts: 1 });
  });

  it("a timeout deletes the job exactly once, over the wire", async () => {
    const { connector, options, endpoint } = env;
    const error = await new AddTask([["RUNNING"]])
      .execute({ a: 1, b: 1 }, { ...options, endpoint, timeout: 80 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(error).toMatchObject({ deleted: true });
    expect(connector.deletes).toEqual(["job-1"]);
  });

  it("an abort mid-flight deletes the job exactly once, over the wire", async () => {
    const { connector, options, endpoint } = env;
    const controller = new AbortController();
    const running = new AddTask([["RUNNING"]]).execute(
      { a: 1, b: 1 },
      { ...options, endpoint, signal: controller.signal },
    );
    await until(() => connector.gets.length > 0);
    controller.abort();
    await expect(running).rejects.toMatchObject({ reason: "aborted", deleted: true });
    expect(connector.deletes).toEqual(["job-1"]);
  });

  it("an abort during a hanging get cancels the call and deletes the job", async () => {
    const { connector, options, endpoint } = env;
    const controller = new AbortController();
    const running = new AddTask([["hang"]]).execute(
      { a: 1, b: 1 },
      { ...options, endpoint, signal: controller.signal },
    );
    await until(() => connector.gets.length === 1); // the get is in flight, hanging
    controller.abort();
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect(connector.deletes).toEqual(["job-1"]);
    expect(connector.gets).toHaveLength(1);
  });

  it("UNAVAILABLE from the server is a transient poll failure; INTERNAL is not", async () => {
    const { connector, options, endpoint } = env;
    await expect(
      new AddTask([["throw:unavailable", "SUCCEEDED"]]).execute({ a: 2, b: 3 }, { ...options, endpoint }),
    ).resolves.toMatchObject({ total: 5 });
    const error = await new AddTask([["throw:internal"]])
      .execute({ a: 2, b: 3 }, { ...options, endpoint })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "internal" });
    expect(connector.gets).toHaveLength(3);
    expect(connector.deletes).toEqual(["job-2"]);
  });

  it("wrong inputs are rejected locally, before any CreateTask", async () => {
    const { connector, options, endpoint } = env;
    const task = new AddTask([["SUCCEEDED"]]);
    // @ts-expect-error: a must be an integer
    const running = task.execute({ a: "1", b: 1 }, { ...options, endpoint });
    await expect(running).rejects.toMatchObject({ code: "bad_request" });
    expect(connector.creates).toEqual([]);
  });

  it("a task type the server does not serve is not_found, from the server", async () => {
    const { options, endpoint } = env;
    class Other extends AsyncConnectorExecutorMixin(TaskTemplate) {
      constructor() {
        super({ name: "other", taskType: "nobody_serves_this" });
      }
    }
    await expect(new Other().execute({}, { ...options, endpoint })).rejects.toMatchObject({
      code: "not_found",
      message: expect.stringContaining("nobody_serves_this"),
    });
  });

  it("an endpoint nobody listens on is unavailable, naming the endpoint", async () => {
    const { connector, options, endpoint, close } = env;
    await close();
    const error = await new AddTask([["SUCCEEDED"]])
      .execute({ a: 1, b: 1 }, { ...options, endpoint, callTimeoutMs: 2000 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "unavailable",
      message: expect.stringContaining(`connector server ${endpoint}`),
    });
    expect(connector.creates).toEqual([]);
  });
});
