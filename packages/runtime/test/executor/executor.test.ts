/**
 * The local executor in process, against the scripted connector. Polls are shrunk to milliseconds.
 */
import { PassThrough } from "node:stream";
import {
  AsyncConnectorExecutorMixin,
  ConnectorError,
  Duration,
  FlyteFile,
  TaskExecutionPhase as Phase,
  TaskTemplate,
  types,
} from "@flyte-connectors/runtime";
import {
  TaskAbortedError,
  TaskFailedError,
  TaskTimeoutError,
  createExecutionLogger,
} from "@flyte-connectors/runtime/executor";
import { AddTask, count, localAttemptKey, messages, setup, until } from "./scripted";

describe("execute() in process", () => {
  it("QUEUED → RUNNING → SUCCEEDED resolves to typed outputs; each phase, message and link is reported once", async () => {
    const { connector, logs, options } = setup();
    const task = new AddTask([
      ["QUEUED", "QUEUED", "RUNNING:epoch 1", "RUNNING:epoch 1", "RUNNING:epoch 2", "SUCCEEDED"],
    ]);
    const { total, ratio, label, parts, summary, report } = await task.execute({ a: 2, b: 3 }, options);
    expect({ total, ratio, label, parts, summary }).toEqual({
      total: 5,
      ratio: 2 / 3,
      label: "2+3",
      parts: [2, 3],
      summary: { a: 2, b: 3, note: null },
    });
    expect(report).toBeInstanceOf(FlyteFile);
    expect(report.uri).toBe("file:///reports/2-3.txt");
    expect(connector.creates).toHaveLength(1);
    expect(connector.gets).toHaveLength(6);
    expect(connector.deletes).toEqual([]);

    const msgs = messages(logs);
    for (const phase of ["QUEUED", "RUNNING", "SUCCEEDED"]) expect(count(msgs, phase)).toBe(1);
    expect(count(msgs, "progress")).toBe(1); // "epoch 1" came with RUNNING; "epoch 2" is the one change
    expect(count(msgs, "log link: dashboard")).toBe(1);
    expect(msgs.indexOf("created")).toBeLessThan(msgs.indexOf("QUEUED"));
    const records = logs.records();
    expect(records.find((r) => r.msg === "log link: dashboard")).toMatchObject({
      task: "add",
      uri: "http://dash/job-1",
    });
    expect(records.find((r) => r.msg === "RUNNING")).toMatchObject({ message: "epoch 1" });
    expect(records.every((r) => typeof r.elapsedMs === "number")).toBe(true);
  });

  it("FAILED rejects with TaskFailedError carrying the phase and the connector's message; nothing is deleted", async () => {
    const { connector, options } = setup();
    const error = await new AddTask([["RUNNING", "FAILED:out of memory"]])
      .execute({ a: 1, b: 1 }, options)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({ phase: Phase.FAILED, reason: "out of memory", attempts: 1 });
    expect((error as Error).message).toBe('task "add" ended FAILED after 1 attempt: out of memory');
    expect(connector.deletes).toEqual([]);
  });

  it("ABORTED rejects with TaskFailedError too, even with retries left", async () => {
    const { connector, options } = setup();
    await expect(
      new AddTask([["ABORTED"]], { retries: 3 }).execute({ a: 1, b: 1 }, options),
    ).rejects.toMatchObject({ phase: Phase.ABORTED, attempts: 1 });
    expect(connector.creates).toHaveLength(1);
  });

  it("RETRYABLE_FAILED once, then SUCCEEDED: two creates with different idempotency keys, one delete between", async () => {
    const { connector, logs, options } = setup();
    const outputs = await new AddTask([["RUNNING", "RETRYABLE_FAILED:preempted"], ["SUCCEEDED"]], {
      retries: 1,
    }).execute({ a: 4, b: 5 }, options);
    expect(outputs.total).toBe(9);
    expect(connector.creates.map((c) => c.retryAttempt)).toEqual([0, 1]);
    const [first, second] = connector.creates;
    expect(first.key).not.toBe(second.key);
    expect(first.run).toBe(second.run); // one run, two attempts, as the backend numbers them
    expect(first.nodeId).toBe("add");
    expect(first.run).toMatch(/^local-[0-9a-f]{12}$/);
    // The keys are what the server derives from the execution id the executor sends.
    expect([first.key, second.key]).toEqual([localAttemptKey(first.run!, 0), localAttemptKey(first.run!, 1)]);
    expect(connector.deletes).toEqual(["job-1"]);
    expect(logs.records().find((r) => r.msg === "retrying")).toMatchObject({
      attempt: 1,
      message: "preempted",
    });
  });

  it("RETRYABLE_FAILED with no retries left fails with the attempts counted (no endless loop)", async () => {
    const { connector, options } = setup();
    const error = await new AddTask([["RETRYABLE_FAILED"]], { retries: 2 })
      .execute({ a: 1, b: 1 }, options)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({ phase: Phase.RETRYABLE_FAILED, attempts: 3 });
    expect(connector.creates).toHaveLength(3);
    expect(connector.deletes).toEqual(["job-1", "job-2"]);
  });

  it("each execute() is a new run: a new idempotency key", async () => {
    const { connector, options } = setup();
    const task = new AddTask([["SUCCEEDED"]]);
    await task.execute({ a: 1, b: 1 }, options);
    await task.execute({ a: 1, b: 1 }, options);
    expect(connector.creates[0].key).not.toBe(connector.creates[1].key);
  });

  it("a job that never finishes times out: TaskTimeoutError, delete called exactly once, polling stops", async () => {
    const { connector, options } = setup();
    const error = await new AddTask([["RUNNING"]])
      .execute({ a: 1, b: 1 }, { ...options, timeout: 60 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect(error).toMatchObject({ reason: "timeout", deleted: true, timeoutMs: 60 });
    expect(connector.deletes).toEqual(["job-1"]);
    const polls = connector.gets.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(connector.gets).toHaveLength(polls);
    expect(connector.deletes).toHaveLength(1);
  });

  it("the task's own timeout (a Duration) applies when execute() sets none", async () => {
    const { connector, options } = setup();
    const task = new (class extends AsyncConnectorExecutorMixin(TaskTemplate) {
      constructor() {
        super({ name: "slow", taskType: "scripted", timeout: Duration.ofMillis(50) });
      }
      override customConfig() {
        return { scripts: [["RUNNING"]] };
      }
    })();
    await expect(task.execute({}, options)).rejects.toBeInstanceOf(TaskTimeoutError);
    expect(connector.deletes).toEqual(["job-1"]);
  });

  it("an abort mid-flight deletes the job exactly once and keeps the signal's reason as the cause", async () => {
    const { connector, options } = setup();
    const controller = new AbortController();
    const running = new AddTask([["RUNNING"]]).execute(
      { a: 1, b: 1 },
      { ...options, signal: controller.signal },
    );
    await until(() => connector.gets.length > 1);
    controller.abort(new Error("user changed their mind"));
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect(error).not.toBeInstanceOf(TaskTimeoutError);
    expect(error).toMatchObject({
      reason: "aborted",
      deleted: true,
      cause: { message: "user changed their mind" },
    });
    expect(connector.deletes).toEqual(["job-1"]);
  });

  it("an abort during create waits for the create, then deletes the job it made (no orphan)", async () => {
    const { connector, options } = setup();
    const controller = new AbortController();
    const running = new AddTask([["RUNNING"]], { createDelayMs: 40 }).execute(
      { a: 1, b: 1 },
      { ...options, signal: controller.signal },
    );
    await until(() => connector.creates.length === 1); // the create has started and is waiting
    controller.abort();
    await expect(running).rejects.toMatchObject({ reason: "aborted", deleted: true });
    expect(connector.creates).toHaveLength(1);
    expect(connector.gets).toEqual([]);
    expect(connector.deletes).toEqual(["job-1"]);
  });

  it("an already aborted signal creates nothing", async () => {
    const { connector, options } = setup();
    await expect(
      new AddTask([["SUCCEEDED"]]).execute({ a: 1, b: 1 }, { ...options, signal: AbortSignal.abort() }),
    ).rejects.toBeInstanceOf(TaskAbortedError);
    expect(connector.creates).toEqual([]);
  });

  it("a delete that fails is reported, not hidden", async () => {
    const { connector, logs, options } = setup();
    connector.delete = async () => {
      throw ConnectorError.unavailable("service down");
    };
    const error = await new AddTask([["RUNNING"]])
      .execute({ a: 1, b: 1 }, { ...options, timeout: 30 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: "timeout", deleted: false });
    expect((error as Error).message).toMatch(/may still be running/);
    expect(logs.records().find((r) => r.msg === "could not delete the job")).toMatchObject({
      message: "service down",
    });
  });

  it("wrong, missing and unknown inputs are rejected before any create, naming the input", async () => {
    const { connector, options } = setup();
    const task = new AddTask([["SUCCEEDED"]]);
    // @ts-expect-error: b must be a number, and the compiler says so
    const wrong = await task.execute({ a: 1, b: "two" }, options).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ConnectorError);
    expect(wrong).toMatchObject({ code: "bad_request", message: expect.stringMatching(/^inputs\.b\b/) });
    // @ts-expect-error: b is missing
    const missing = await task.execute({ a: 1 }, options).catch((e: unknown) => e);
    expect(missing).toMatchObject({
      code: "bad_request",
      message: expect.stringContaining("'b' is missing"),
    });
    // @ts-expect-error: c is not an input
    const unknown = await task.execute({ a: 1, b: 2, c: 3 }, options).catch((e: unknown) => e);
    expect(unknown).toMatchObject({
      code: "bad_request",
      message: expect.stringContaining("unknown input 'c'"),
    });
    const fractional = await task.execute({ a: 1.5, b: 2 }, options).catch((e: unknown) => e);
    expect(fractional).toMatchObject({ code: "bad_request", message: expect.stringMatching(/^inputs\.a\b/) });
    expect(connector.creates).toEqual([]);
    // The optional input may be left out or given.
    await task.execute({ a: 1, b: 2, note: "hi" }, options);
    expect(connector.creates[0].inputs).toEqual({ a: 1, b: 2, note: "hi" });
  });

  it("transient poll errors are tolerated; maxPollFailures in a row gives up and deletes the job", async () => {
    const { connector, options } = setup();
    const flaky = await new AddTask([["throw:unavailable", "throw:unavailable", "SUCCEEDED"]]).execute(
      { a: 1, b: 2 },
      options,
    );
    expect(flaky.total).toBe(3);
    expect(connector.gets).toHaveLength(3);

    const error = await new AddTask([["throw:unavailable"]])
      .execute({ a: 1, b: 2 }, { ...options, maxPollFailures: 3 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({
      code: "unavailable",
      message: "gave up after 3 failed polls in a row; the last: scripted unavailable",
    });
    expect(connector.gets).toHaveLength(3 + 3);
    expect(connector.deletes).toEqual(["job-2"]);
  });

  it("an error that will not get better (internal, bad request) fails at once and deletes the job", async () => {
    const { connector, options } = setup();
    await expect(new AddTask([["throw:internal"]]).execute({ a: 1, b: 2 }, options)).rejects.toMatchObject({
      code: "internal",
      message: "scripted internal",
    });
    expect(connector.gets).toHaveLength(1);
    expect(connector.deletes).toEqual(["job-1"]);
  });

  it("each call gets the per-call deadline: a hanging get is cut off and polled again", async () => {
    const { connector, options } = setup();
    const outputs = await new AddTask([["hang", "SUCCEEDED"]]).execute(
      { a: 2, b: 2 },
      { ...options, callTimeoutMs: 30 },
    );
    expect(outputs.total).toBe(4);
    expect(connector.getSignals[0].aborted).toBe(true);
    expect((connector.getSignals[0].reason as Error).name).toBe("TimeoutError");
    // The second call was answered in time; its signal fired only as the call ended, as every call's does.
    expect(connector.getSignals[1].reason).toMatchObject({
      name: "AbortError",
      message: "the call has ended",
    });
  });

  it("secrets: the task's secrets option names environment variables; options.secrets gives values; both reach the connector", async () => {
    const { connector, options } = setup();
    process.env.EXECUTOR_TEST_TOKEN = "tok-123456";
    try {
      await new AddTask([["SUCCEEDED"]]).execute({ a: 1, b: 1 }, options);
      await new AddTask([["SUCCEEDED"]]).execute(
        { a: 1, b: 1 },
        { ...options, secrets: { token: "explicit-999" } },
      );
    } finally {
      delete process.env.EXECUTOR_TEST_TOKEN;
    }
    await new AddTask([["SUCCEEDED"]]).execute({ a: 1, b: 1 }, options);
    expect(connector.creates.map((c) => c.token)).toEqual(["tok-123456", "explicit-999", undefined]);
  });

  it("secret values never reach the log, even inside a connector's message", async () => {
    const { logs, options } = setup();
    await new AddTask([["LEAK", "SUCCEEDED"]]).execute(
      { a: 1, b: 1 },
      { ...options, secrets: { token: "s3cr3t-value" } },
    );
    expect(logs.text).not.toContain("s3cr3t-value");
    expect(logs.records().find((r) => r.msg === "RUNNING")).toMatchObject({
      message: "using token [REDACTED]",
    });
  });

  it("bad execute options are rejected before any create", async () => {
    const { connector, options } = setup();
    const task = new AddTask([["SUCCEEDED"]]);
    await expect(task.execute({ a: 1, b: 1 }, { ...options, poll: { multiplier: 0.5 } })).rejects.toThrow(
      /multiplier >= 1/,
    );
    await expect(task.execute({ a: 1, b: 1 }, { ...options, timeout: -1 })).rejects.toThrow(
      "execute option timeout must be a positive number, got -1",
    );
    await expect(task.execute({ a: 1, b: 1 }, { ...options, callTimeoutMs: Number.NaN })).rejects.toThrow(
      /callTimeoutMs/,
    );
    expect(connector.creates).toEqual([]);
  });

  it("an unregistered task type is a clear error listing what is registered", async () => {
    const { connector, options } = setup();
    class Other extends AsyncConnectorExecutorMixin(TaskTemplate) {
      constructor() {
        super({ name: "other", taskType: "nobody_serves_this" });
      }
    }
    await expect(new Other().execute({}, options)).rejects.toMatchObject({
      code: "not_found",
      message: expect.stringMatching(
        /no connector for task type "nobody_serves_this" version 0 \(registered: scripted@0\)/,
      ),
    });
    expect(connector.creates).toEqual([]);
  });

  it("Ctrl-C (handleSignals) deletes the job, rejects as interrupted, re-raises SIGINT and removes its listener", async () => {
    // Jest's sandboxed `process` cannot take real signals, so the re-raise is observed, not delivered;
    // ctrl-c.test.ts sends a real SIGINT to a real process.
    const kill = jest.spyOn(process, "kill").mockImplementation(() => true);
    const { connector, options } = setup();
    const before = process.listenerCount("SIGINT");
    try {
      const running = new AddTask([["RUNNING"]]).execute({ a: 1, b: 1 }, { ...options, handleSignals: true });
      await until(() => connector.gets.length > 0);
      expect(process.listenerCount("SIGINT")).toBe(before + 1);
      expect(kill).not.toHaveBeenCalled();
      process.emit("SIGINT");
      const error = await running.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskAbortedError);
      expect(error).toMatchObject({ reason: "interrupted", deleted: true });
      expect(connector.deletes).toEqual(["job-1"]);
      expect(kill.mock.calls).toEqual([[process.pid, "SIGINT"]]);
      expect(process.listenerCount("SIGINT")).toBe(before);
    } finally {
      kill.mockRestore();
    }
  });

  it("without handleSignals no SIGINT listener is installed", async () => {
    const { options } = setup();
    const before = process.listenerCount("SIGINT");
    const running = new AddTask([["RUNNING", "RUNNING", "SUCCEEDED"]]).execute({ a: 1, b: 1 }, options);
    expect(process.listenerCount("SIGINT")).toBe(before);
    await running;
  });
});

describe("types", () => {
  it("the seed's form (interface passed to super) runs and type-checks with loose types", async () => {
    const { options } = setup();
    class SeedTask extends AsyncConnectorExecutorMixin(TaskTemplate) {
      constructor(name: string) {
        super({
          name,
          taskType: "scripted",
          interface: { inputs: { a: types.int, b: types.int }, outputs: { total: types.int } },
        });
      }
      override customConfig() {
        return { scripts: [["SUCCEEDED"]] };
      }
    }
    const { total } = await new SeedTask("seed").execute({ a: 1, b: 2 }, options);
    expect(total).toBe(3);
  });

  it("the field form types inputs and outputs exactly", async () => {
    const { options } = setup();
    const outputs = await new AddTask([["SUCCEEDED"]]).execute({ a: 1n, b: 2 }, options);
    const total: number | bigint = outputs.total;
    const report: FlyteFile = outputs.report;
    // @ts-expect-error: total is not a string
    const wrong: string = outputs.total;
    // @ts-expect-error: no such output
    void outputs.nothing;
    expect([total, report.uri, wrong]).toEqual([3, "file:///reports/1-2.txt", 3]);
  });
});

describe("createExecutionLogger", () => {
  function fakeStream(isTTY: boolean) {
    const stream = new PassThrough() as PassThrough & { isTTY: boolean };
    stream.isTTY = isTTY;
    let text = "";
    stream.on("data", (d: Buffer) => (text += d.toString()));
    return { stream, text: () => text };
  }

  it("prints one readable line per event on a terminal, with the elapsed time", async () => {
    const { options } = setup();
    const out = fakeStream(true);
    await new AddTask([["QUEUED", "RUNNING:epoch 1", "SUCCEEDED"]]).execute(
      { a: 1, b: 1 },
      { ...options, logger: createExecutionLogger(out.stream) },
    );
    const lines = out.text().trimEnd().split("\n");
    expect(lines.filter((l) => !l.includes("warn: secret not set"))).toEqual([
      expect.stringMatching(/^ +\+\d+\.\ds add created {2}attempt=1$/),
      expect.stringMatching(/^ +\+\d+\.\ds add QUEUED$/),
      expect.stringMatching(/^ +\+\d+\.\ds add log link: dashboard {2}uri=http:\/\/dash\/job-1$/),
      expect.stringMatching(/^ +\+\d+\.\ds add RUNNING — epoch 1$/),
      expect.stringMatching(/^ +\+\d+\.\ds add SUCCEEDED$/),
    ]);
  });

  it("writes pino JSON elsewhere", async () => {
    const { options } = setup();
    const out = fakeStream(false);
    await new AddTask([["SUCCEEDED"]]).execute(
      { a: 1, b: 1 },
      { ...options, logger: createExecutionLogger(out.stream) },
    );
    const records = out
      .text()
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => r.msg)).toContain("SUCCEEDED");
    expect(records.every((r) => r.task === "add" && typeof r.time === "number")).toBe(true);
  });
});
