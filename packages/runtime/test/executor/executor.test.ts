/**
 * The local executor against scripted connectors, in process and over real gRPC against a real
 * ConnectorServer. Poll intervals are shrunk so the suite is fast.
 */
import pino from "pino";
import {
  AsyncConnector,
  AsyncConnectorExecutorMixin,
  ConnectorError,
  ConnectorRegistry,
  ConnectorServer,
  FlyteFile,
  TaskAbortedError,
  TaskExecutionPhase as Phase,
  TaskFailedError,
  TaskTemplate,
  jsonMeta,
  types,
  type CallContext,
  type CreateContext,
  type Resource,
} from "../../src";
import { LogCapture } from "../../../../tools/test-support/log-capture";

interface Meta {
  job_id: string;
}

/** Jobs follow `custom.scripts[attempt]` (a list of phase names; the last one repeats). */
class ScriptedConnector extends AsyncConnector<Meta> {
  readonly name = "Scripted Connector";
  readonly taskTypeName = "scripted";
  readonly metadata = jsonMeta<Meta>(["job_id"]);
  readonly creates: string[] = [];
  readonly deletes: string[] = [];
  readonly secretsSeen: Array<string | undefined> = [];
  failGets = 0;
  readonly #jobs = new Map<string, { phases: string[]; polls: number; inputs: Record<string, unknown> }>();

  async create({ taskTemplate, inputs, idempotencyKey, secrets }: CreateContext): Promise<Meta> {
    this.creates.push(idempotencyKey);
    this.secretsSeen.push(secrets.get("token"));
    const scripts = (taskTemplate.custom?.scripts ?? [["SUCCEEDED"]]) as string[][];
    const id = `job-${this.creates.length}`;
    this.#jobs.set(id, { phases: scripts[Math.min(this.creates.length - 1, scripts.length - 1)], polls: 0, inputs: { ...inputs } });
    return { job_id: id };
  }

  async get(meta: Meta, _ctx: CallContext): Promise<Resource> {
    if (this.failGets > 0) {
      this.failGets--;
      throw ConnectorError.unavailable("flaky");
    }
    const job = this.#jobs.get(meta.job_id)!;
    const name = job.phases[Math.min(job.polls++, job.phases.length - 1)];
    const phase = Phase[name as keyof typeof Phase] as Phase;
    const logLinks = [{ name: "dashboard", uri: `http://dash/${meta.job_id}` }];
    if (phase !== Phase.SUCCEEDED) return { phase, message: `${name.toLowerCase()} ${job.polls}`, logLinks };
    const total = Number(job.inputs.a) + Number(job.inputs.b);
    return { phase, logLinks, outputs: { total, report: new FlyteFile(`file:///reports/${meta.job_id}.txt`) } };
  }

  async delete(meta: Meta): Promise<void> {
    this.deletes.push(meta.job_id);
  }
}

class AddTask extends AsyncConnectorExecutorMixin(TaskTemplate) {
  override readonly interface = {
    inputs: { a: types.int, b: types.int },
    outputs: { total: types.int, report: types.file },
  };

  constructor(
    private readonly scripts: string[][],
    options: { retries?: number; timeoutMs?: number } = {},
  ) {
    super({ name: "add", taskType: "scripted", secrets: { token: "EXECUTOR_TEST_TOKEN" }, ...options });
  }

  override customConfig() {
    return { scripts: this.scripts };
  }
}

const fast = { poll: { initialMs: 5, multiplier: 1.5, maxMs: 20 } };

function setup() {
  const connector = new ScriptedConnector();
  const registry = new ConnectorRegistry([connector]);
  const logs = new LogCapture();
  const logger = pino({ base: undefined }, logs);
  return { connector, registry, logs, options: { ...fast, registry, logger } };
}

describe("AsyncConnectorExecutorMixin.execute, in process", () => {
  it("QUEUED → RUNNING → SUCCEEDED returns typed outputs; each phase and link is reported once", async () => {
    const { connector, logs, options } = setup();
    const task = new AddTask([["QUEUED", "QUEUED", "RUNNING", "RUNNING", "SUCCEEDED"]]);
    const { total, report } = await task.execute({ a: 2, b: 3 }, options);
    expect(total).toBe(5);
    expect(report).toBeInstanceOf(FlyteFile);
    expect(report.uri).toBe("file:///reports/job-1.txt");
    expect(connector.creates).toHaveLength(1);
    expect(connector.deletes).toEqual([]);
    const messages = logs.records().map((r) => r.msg);
    expect(messages.filter((m) => m === "log link: dashboard")).toHaveLength(1);
    // Each (phase, message) change once: queued 1, queued 2, running 3, running 4, SUCCEEDED.
    expect(messages.filter((m) => m === "QUEUED")).toHaveLength(2);
    expect(messages.filter((m) => m === "SUCCEEDED")).toHaveLength(1);
  });

  it("FAILED rejects with TaskFailedError carrying phase and message; nothing is deleted", async () => {
    const { connector, options } = setup();
    const error = await new AddTask([["RUNNING", "FAILED"]]).execute({ a: 1, b: 1 }, options).catch((e) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({ phase: Phase.FAILED, reason: "failed 2", attempts: 1 });
    expect(connector.deletes).toEqual([]);
  });

  it("ABORTED rejects with TaskFailedError too", async () => {
    const { options } = setup();
    await expect(new AddTask([["ABORTED"]]).execute({ a: 1, b: 1 }, options)).rejects.toMatchObject({ phase: Phase.ABORTED });
  });

  it("RETRYABLE_FAILED once, then SUCCEEDED: two creates with different keys, one delete", async () => {
    const { connector, options } = setup();
    const outputs = await new AddTask([["RUNNING", "RETRYABLE_FAILED"], ["SUCCEEDED"]], { retries: 1 }).execute({ a: 4, b: 5 }, options);
    expect(outputs.total).toBe(9);
    expect(connector.creates).toHaveLength(2);
    expect(new Set(connector.creates).size).toBe(2);
    expect(connector.deletes).toEqual(["job-1"]);
  });

  it("RETRYABLE_FAILED with no retries left fails, counting attempts", async () => {
    const { connector, options } = setup();
    const error = await new AddTask([["RETRYABLE_FAILED"]], { retries: 1 }).execute({ a: 1, b: 1 }, options).catch((e) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({ phase: Phase.RETRYABLE_FAILED, attempts: 2 });
    expect(connector.creates).toHaveLength(2);
  });

  it("a job that never finishes hits the timeout: delete is called exactly once", async () => {
    const { connector, options } = setup();
    const error = await new AddTask([["RUNNING"]]).execute({ a: 1, b: 1 }, { ...options, timeoutMs: 80 }).catch((e) => e);
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect(error).toMatchObject({ reason: "timeout", deleted: true });
    expect(connector.deletes).toEqual(["job-1"]);
  });

  it("the task's own timeoutMs applies too", async () => {
    const { connector, options } = setup();
    await expect(new AddTask([["RUNNING"]], { timeoutMs: 60 }).execute({ a: 1, b: 1 }, options)).rejects.toMatchObject({ reason: "timeout" });
    expect(connector.deletes).toHaveLength(1);
  });

  it("an abort mid-flight deletes the job exactly once", async () => {
    const { connector, options } = setup();
    const controller = new AbortController();
    const running = new AddTask([["RUNNING"]]).execute({ a: 1, b: 1 }, { ...options, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 40));
    controller.abort();
    const error = await running.catch((e) => e);
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect(error).toMatchObject({ reason: "aborted", deleted: true });
    expect(connector.deletes).toEqual(["job-1"]);
  });

  it("wrong or missing inputs are rejected before any create, naming the input", async () => {
    const { connector, options } = setup();
    const task = new AddTask([["SUCCEEDED"]]);
    // @ts-expect-error: b must be a number, and the compiler says so
    const wrong = await task.execute({ a: 1, b: "two" }, options).catch((e) => e);
    expect(wrong).toBeInstanceOf(ConnectorError);
    expect(wrong.code).toBe("bad_request");
    expect(wrong.message).toMatch(/\bb\b/);
    // @ts-expect-error: b is missing
    const missing = await task.execute({ a: 1 }, options).catch((e) => e);
    expect(missing.code).toBe("bad_request");
    expect(missing.message).toMatch(/\bb\b/);
    expect(connector.creates).toEqual([]);
  });

  it("tolerates a few failed polls, as the backend does, and gives up after maxPollFailures", async () => {
    const { connector, options } = setup();
    connector.failGets = 2;
    await expect(new AddTask([["SUCCEEDED"]]).execute({ a: 1, b: 2 }, options)).resolves.toMatchObject({ total: 3 });
    connector.failGets = 10;
    await expect(new AddTask([["SUCCEEDED"]]).execute({ a: 1, b: 2 }, { ...options, maxPollFailures: 3 })).rejects.toMatchObject({
      code: "unavailable",
    });
  });

  it("secrets come from the environment variables the template names", async () => {
    const { connector, options } = setup();
    process.env.EXECUTOR_TEST_TOKEN = "tok-123456";
    try {
      await new AddTask([["SUCCEEDED"]]).execute({ a: 1, b: 1 }, options);
    } finally {
      delete process.env.EXECUTOR_TEST_TOKEN;
    }
    await new AddTask([["SUCCEEDED"]]).execute({ a: 1, b: 1 }, { ...options, secrets: { token: "explicit-999" } });
    expect(connector.secretsSeen).toEqual(["tok-123456", "explicit-999"]);
  });

  it("an unregistered task type is a clear error", async () => {
    const { options } = setup();
    class Other extends AsyncConnectorExecutorMixin(TaskTemplate) {
      constructor() {
        super({ name: "other", taskType: "nobody_serves_this" });
      }
    }
    await expect(new Other().execute({}, options)).rejects.toThrow(/no connector for task type "nobody_serves_this".*scripted/);
  });

  it("toProto builds the template the backend would send", () => {
    const proto = new AddTask([["SUCCEEDED"]], { retries: 2, timeoutMs: 1500 }).toProto({ project: "p", domain: "d" });
    expect(proto.type).toBe("scripted");
    expect(proto.id).toMatchObject({ project: "p", domain: "d", name: "add" });
    expect(proto.interface?.inputs?.variables.map((v) => v.key)).toEqual(["a", "b"]);
    expect(proto.interface?.outputs?.variables.map((v) => v.key)).toEqual(["total", "report"]);
    expect(proto.custom).toEqual({ scripts: [["SUCCEEDED"]], secrets: { token: "EXECUTOR_TEST_TOKEN" } });
    expect(proto.metadata?.runtime).toMatchObject({ flavor: "typescript", version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(proto.metadata?.retries?.retries).toBe(2);
    expect(proto.metadata?.timeout).toEqual({ seconds: 1n, nanos: 500_000_000 });
  });
});

describe("remote mode: the same loop over gRPC against a running server", () => {
  it("returns the same outputs as in process, and deletes on abort over the wire", async () => {
    const { connector, registry, options } = setup();
    const server = new ConnectorServer({ registry, logLevel: "silent", processMetrics: false });
    const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
    try {
      const task = new AddTask([["QUEUED", "RUNNING", "SUCCEEDED"]]);
      const local = await task.execute({ a: 20, b: 22 }, options);
      const remote = await task.execute({ a: 20, b: 22 }, { ...options, endpoint: `127.0.0.1:${port}` });
      expect({ total: remote.total, report: remote.report.uri.replace(/job-\d+/, "job") }).toEqual({
        total: local.total,
        report: local.report.uri.replace(/job-\d+/, "job"),
      });
      expect(remote.report).toBeInstanceOf(FlyteFile);

      const retried = await new AddTask([["RETRYABLE_FAILED"], ["SUCCEEDED"]], { retries: 1 }).execute({ a: 1, b: 1 }, { ...options, endpoint: `127.0.0.1:${port}` });
      expect(retried.total).toBe(2);

      const before = connector.deletes.length;
      const aborted = await new AddTask([["RUNNING"]]).execute({ a: 1, b: 1 }, { ...options, endpoint: `127.0.0.1:${port}`, timeoutMs: 100 }).catch((e) => e);
      expect(aborted).toMatchObject({ reason: "timeout", deleted: true });
      expect(connector.deletes.length - before).toBe(1);

      const bad = await new AddTask([["FAILED"]]).execute({ a: 1, b: 1 }, { ...options, endpoint: `127.0.0.1:${port}` }).catch((e) => e);
      expect(bad).toBeInstanceOf(TaskFailedError);
    } finally {
      await server.shutdown({ graceMs: 100 });
    }
  });
});
