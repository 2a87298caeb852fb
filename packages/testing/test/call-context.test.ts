import { ConnectorError, TaskExecutionPhase as Phase, isAbortError } from "@flyte-connectors/runtime";
import { createCallContext, createContext } from "@flyte-connectors/testing";
import { idempotencyKeyFor } from "@flyte-connectors/runtime/pipeline";
import { SimConnector, SimTask } from "./support/sim-connector";

describe("createCallContext", () => {
  it("gives the connector the task's secrets and configs, and nothing from the machine by default", () => {
    process.env.FLYTE_SECRET_FROM_ENV = "env-value-123";
    try {
      const ctx = createCallContext({ secrets: { api_key: "k-123456" }, configs: { region: "eu" } });
      expect(ctx.secrets.get("api_key")).toBe("k-123456");
      expect(ctx.secrets.get("from_env")).toBeUndefined();
      expect(() => ctx.secrets.require("missing")).toThrow(ConnectorError);
      expect(ctx.configs).toEqual({ region: "eu" });
      expect(ctx.taskCategory).toEqual({ name: "test", version: 0 });
      const withEnv = createCallContext({ secretSources: {} });
      expect(withEnv.secrets.get("from_env")).toBe("env-value-123");
      ctx.end();
      withEnv.end();
    } finally {
      delete process.env.FLYTE_SECRET_FROM_ENV;
    }
  });

  it("captures what the connector logs", () => {
    const ctx = createCallContext({ taskType: "sim_task" });
    ctx.logger.info({ jobId: "j1" }, "submitted");
    expect(ctx.logs.records()).toEqual([
      expect.objectContaining({ msg: "submitted", jobId: "j1", taskType: "sim_task" }),
    ]);
    ctx.end();
  });

  it("the test owns the deadline and the cancel", async () => {
    const ctx = createCallContext({ deadlineMs: 5000 });
    expect(ctx.deadline).toBeGreaterThan(Date.now());
    expect(ctx.timeLeft()).toBeLessThanOrEqual(5000);
    const early = ctx.beforeDeadline(1000);
    expect([ctx.signal.aborted, early.aborted]).toEqual([false, false]);
    ctx.expire();
    expect([ctx.signal.aborted, early.aborted]).toEqual([true, true]);
    expect((ctx.signal.reason as DOMException).name).toBe("TimeoutError");

    const cancelled = createCallContext();
    cancelled.cancel();
    expect(isAbortError(cancelled.signal.reason)).toBe(true);

    const none = createCallContext({ deadlineMs: null });
    expect(none.deadline).toBeUndefined();
    expect(none.timeLeft()).toBe(Infinity);
    none.end();
    expect(none.signal.aborted).toBe(true);
  });

  it("the deadline fires by itself, as the server's does", async () => {
    const ctx = createCallContext({ deadlineMs: 5 });
    const reason = await new Promise((resolve) =>
      ctx.signal.addEventListener("abort", () => resolve(ctx.signal.reason), { once: true }),
    );
    expect(reason).toMatchObject({ name: "TimeoutError" });
    ctx.end();
  });

  it("drives a connector's get and delete directly", async () => {
    const connector = new SimConnector();
    const created = createContext({
      template: new SimTask({ scripts: [["RUNNING"]] }),
      inputs: { n: 2 },
      taskType: "sim_task",
    });
    const meta = await connector.create(created);
    const ctx = createCallContext({ taskType: "sim_task" });
    await expect(connector.get(meta, ctx)).resolves.toMatchObject({ phase: Phase.RUNNING });
    await connector.delete(meta);
    expect(connector.deletes).toEqual([meta.job_id]);
    ctx.end();
  });
});

describe("createContext", () => {
  it("carries the template, inputs converted as the server converts them, metadata and the derived key", () => {
    const ctx = createContext({
      template: new SimTask({ scripts: [["SUCCEEDED"]] }),
      inputs: { n: 2n ** 60n },
      retryAttempt: 2,
    });
    expect(ctx.taskTemplate.type).toBe("sim_task");
    expect(ctx.taskTemplate.custom).toEqual({ scripts: [["SUCCEEDED"]] });
    // Through literals and back: beyond 2^53 an int is a bigint.
    expect(ctx.inputs).toEqual({ n: 2n ** 60n });
    expect(ctx.taskExecutionMetadata?.taskExecutionId?.retryAttempt).toBe(2);
    expect(ctx.idempotencyKey).toBe(idempotencyKeyFor(ctx.taskExecutionMetadata));
    expect(ctx.idempotencyKey).not.toBe(createContext({ template: new SimTask() }).idempotencyKey);
    expect(ctx.outputPrefix).toBe("file:///tmp/flyte-test/outputs");
  });

  it("takes a partial wire template, and refuses inputs the interface does not declare", () => {
    const ctx = createContext({
      template: { custom: { endpoint: "http://x" } },
      taskType: "t",
      idempotencyKey: "k1",
    });
    expect([ctx.taskTemplate.type, ctx.taskTemplate.custom, ctx.idempotencyKey]).toEqual([
      "t",
      { endpoint: "http://x" },
      "k1",
    ]);
    expect(() => createContext({ template: new SimTask(), inputs: { m: 1 } })).toThrow(/unknown input 'm'/);
  });
});
