/**
 * FlyteBackendSimulator against a small scripted connector in a real ConnectorServer. Time is virtual:
 * the 30 s resync interval takes no time and the report's timings are exact.
 */
import { status } from "@grpc/grpc-js";
import { TaskExecution_Phase as Phase } from "@flyteorg/flyteidl2/flyteidl2/core/execution_pb.ts";
import {
  FlyteBackendSimulator,
  SimulationError,
  VirtualClock,
  startTestServer,
  type FlyteBackendSimulatorOptions,
  type SimulationReport,
} from "@flyte-connectors/testing";
import { SimConnector, SimTask } from "./support/sim-connector";

const open: FlyteBackendSimulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function simulator(connector: SimConnector, options: Partial<FlyteBackendSimulatorOptions> = {}) {
  const sim = await FlyteBackendSimulator.start({
    connectors: [connector],
    clock: new VirtualClock(),
    ...options,
  });
  open.push(sim);
  return sim;
}

const steps = (report: SimulationReport) =>
  report.calls.map(
    (c) =>
      `${c.method}${c.attempt === undefined ? "" : `#${c.attempt}`}${c.purpose ? `(${c.purpose})` : ""} ${c.phaseName ?? c.codeName}`,
  );

describe("FlyteBackendSimulator", () => {
  it("runs a task as the backend does: discovery, create, GetTask at once and every 30 s, outputs, a GC delete", async () => {
    const connector = new SimConnector();
    const sim = await simulator(connector);
    const report = await sim.run({
      template: new SimTask({ scripts: [["QUEUED", "RUNNING", "SUCCEEDED"]] }),
      inputs: { n: 21 },
      secrets: { token: "tok-9f8e7d6c" },
    });
    expect(report.outcome).toBe("SUCCEEDED");
    expect(steps(report)).toEqual([
      "ListConnectors OK",
      "CreateTask#0 OK",
      "GetTask#0 QUEUED",
      "GetTask#0 RUNNING",
      "GetTask#0 SUCCEEDED",
      "DeleteTask#0(garbage-collection) OK",
    ]);
    expect(report.calls.filter((c) => c.method === "GetTask").map((c) => c.startedAt)).toEqual([
      0, 30_000, 60_000,
    ]);
    expect(report.calls.map((c) => c.deadlineMs)).toEqual([10_000, 10_000, 10_000, 10_000, 10_000, 10_000]);
    expect(report.phases.map((p) => p.phaseName)).toEqual(["QUEUED", "RUNNING", "SUCCEEDED"]);
    // Converted by the runtime with the interface: an int is a number.
    expect(report.outputs).toEqual({ doubled: 42 });
    expect(report.outputLiterals?.literals.map((l) => l.name)).toEqual(["doubled"]);
    expect(report.timings.elapsedMs).toBe(60_000);
    expect(report.deletesSucceeded).toBe(true);
    // The secret reached the connector as the backend sends it, and the key is the runtime's.
    expect(connector.creates).toEqual([
      { key: report.attempts[0].idempotencyKey, attempt: 0, token: "tok-9f8e7d6c" },
    ]);
    expect(connector.deletes).toEqual([connector.gets[0]]);
  });

  it("RETRYABLE_FAILED: DeleteTask, then a new attempt with the next attempt number and a new key", async () => {
    const connector = new SimConnector();
    const sim = await simulator(connector);
    const report = await sim.run({
      template: new SimTask({ scripts: [["RUNNING", "RETRYABLE_FAILED:quota exceeded"], ["SUCCEEDED"]] }, 1),
      inputs: { n: 1 },
    });
    expect(report.outcome).toBe("SUCCEEDED");
    expect(steps(report)).toEqual([
      "ListConnectors OK",
      "CreateTask#0 OK",
      "GetTask#0 RUNNING",
      "GetTask#0 RETRYABLE_FAILED",
      "DeleteTask#0(retry) OK",
      "CreateTask#1 OK",
      "GetTask#1 SUCCEEDED",
      "DeleteTask#1(garbage-collection) OK",
    ]);
    expect(connector.creates.map((c) => c.attempt)).toEqual([0, 1]);
    const [first, second] = connector.creates.map((c) => c.key);
    expect(first).not.toBe(second);
    expect(report.attempts.map((a) => [a.idempotencyKey, a.end])).toEqual([
      [first, "RETRYABLE_FAILED"],
      [second, "SUCCEEDED"],
    ]);
    // The first attempt's job was deleted before the second was created.
    expect(connector.deletes[0]).toBe(`job-${first.slice(0, 8)}`);
  });

  it("RETRYABLE_FAILED with no retries left fails the task with the connector's message", async () => {
    const sim = await simulator(new SimConnector());
    const report = await sim.run({
      template: new SimTask({ scripts: [["RETRYABLE_FAILED:quota exceeded"]] }),
      inputs: { n: 1 },
    });
    expect(report.outcome).toBe("FAILED");
    expect(report.reason).toBe("failed to run the job: quota exceeded");
    expect(steps(report).filter((s) => s.startsWith("CreateTask"))).toHaveLength(1);
  });

  it("failed GetTask calls are counted and never reset: 5 are tolerated, the 6th fails the task", async () => {
    const sim = await simulator(new SimConnector());
    const report = await sim.run({
      template: new SimTask({
        scripts: [
          [
            "throw:unavailable",
            "RUNNING",
            "throw:internal",
            "throw:unavailable",
            "throw:unavailable",
            "throw:unavailable",
            "throw:unavailable",
            "RUNNING",
          ],
        ],
      }),
      inputs: { n: 1 },
    });
    expect(report.outcome).toBe("SYSTEM_FAILURE");
    const gets = report.calls.filter((c) => c.method === "GetTask");
    expect(gets.map((c) => c.codeName)).toEqual([
      "UNAVAILABLE",
      "OK",
      "INTERNAL",
      "UNAVAILABLE",
      "UNAVAILABLE",
      "UNAVAILABLE",
      "UNAVAILABLE",
    ]);
    expect(report.attempts[0].failedPolls).toBe(6);
    expect(report.reason).toMatch(
      /^6 GetTask calls failed \(more than maxSystemFailures = 5\); last: UNAVAILABLE: scripted unavailable$/,
    );
  });

  it("maxSystemFailures is configurable", async () => {
    const sim = await simulator(new SimConnector(), { maxSystemFailures: 1 });
    const report = await sim.run({
      template: new SimTask({ scripts: [["throw:unavailable"]] }),
      inputs: { n: 1 },
    });
    expect(report.outcome).toBe("SYSTEM_FAILURE");
    expect(report.calls.filter((c) => c.method === "GetTask")).toHaveLength(2);
  });

  it("abort: DeleteTask for the job, then the run ends ABORTED without a later GC delete", async () => {
    const connector = new SimConnector();
    const sim = await simulator(connector);
    const controller = new AbortController();
    let gets = 0;
    const report = await sim.run(
      { template: new SimTask({ scripts: [["RUNNING"]] }), inputs: { n: 1 } },
      {
        signal: controller.signal,
        onCall: (call) => {
          if (call.method === "GetTask" && ++gets === 2) controller.abort();
        },
      },
    );
    expect(report.outcome).toBe("ABORTED");
    expect(steps(report).slice(-3)).toEqual([
      "GetTask#0 RUNNING",
      "GetTask#0 RUNNING",
      "DeleteTask#0(abort) OK",
    ]);
    expect(connector.deletes).toHaveLength(1);
  });

  it("garbage collection deletes the finished job later (by the clock), or not at all when off", async () => {
    const later = await simulator(new SimConnector(), { garbageCollect: { afterMs: 3_600_000 } });
    const report = await later.run({ template: new SimTask(), inputs: { n: 1 } });
    const gc = report.calls.at(-1)!;
    expect([gc.method, gc.purpose, gc.startedAt]).toEqual(["DeleteTask", "garbage-collection", 3_600_000]);

    const connector = new SimConnector();
    const never = await simulator(connector, { garbageCollect: false });
    const quiet = await never.run({ template: new SimTask(), inputs: { n: 1 } });
    expect(quiet.calls.some((c) => c.method === "DeleteTask")).toBe(false);
    expect(connector.deletes).toEqual([]);
  });

  it("a failing DeleteTask is retried every 10 s", async () => {
    const connector = new SimConnector();
    connector.failingDeletes = 2;
    const sim = await simulator(connector);
    const report = await sim.run({ template: new SimTask(), inputs: { n: 1 } });
    const deletes = report.calls.filter((c) => c.method === "DeleteTask");
    expect(deletes.map((c) => [c.codeName, c.startedAt])).toEqual([
      ["UNAVAILABLE", 0],
      ["UNAVAILABLE", 10_000],
      ["OK", 20_000],
    ]);
    expect(report.deletesSucceeded).toBe(true);
  });

  it("a create past its deadline is DEADLINE_EXCEEDED and uses up a retry, as the backend's", async () => {
    const connector = new SimConnector();
    const sim = await simulator(connector, { timeouts: { CreateTask: 300 } });
    const report = await sim.run({ template: new SimTask({ createHangs: [0] }, 1), inputs: { n: 2 } });
    expect(report.outcome).toBe("SUCCEEDED");
    expect(steps(report).slice(0, 3)).toEqual([
      "ListConnectors OK",
      "CreateTask#0 DEADLINE_EXCEEDED",
      "CreateTask#1 OK",
    ]);
    expect(report.calls[1].deadlineMs).toBe(300);
    expect(report.attempts[0].end).toBe("CREATE_FAILED");
  });

  it("a task type ListConnectors does not list is a clear error, before anything is created", async () => {
    const connector = new SimConnector();
    const sim = await simulator(connector);
    const template = { type: "not_served", taskTypeVersion: 2 };
    const run = sim.run({ template });
    await expect(run).rejects.toThrow(SimulationError);
    await expect(sim.run({ template })).rejects.toThrow(
      /task type "not_served" version 2 is not listed by ListConnectors at 127\.0\.0\.1:\d+; it lists "sim_task" v0 \(Sim Connector\)\. The Flyte backend would not route this task/,
    );
    expect(connector.creates).toEqual([]);
  });

  it("dials a running server by endpoint; keepalive pings during a long call do not break it", async () => {
    const connector = new SimConnector();
    connector.getDelayMs = 400;
    const server = await startTestServer(connector);
    try {
      // Pings every 50 ms while a call is active (the backend: every 30 s); the server must not GOAWAY.
      const sim = await simulator(connector, {
        connectors: undefined,
        endpoint: server.address,
        channelOptions: { "grpc.keepalive_time_ms": 50 },
      });
      const report = await sim.run({
        template: new SimTask({ scripts: [["RUNNING", "SUCCEEDED"]] }),
        inputs: { n: 3 },
      });
      expect(report.outcome).toBe("SUCCEEDED");
      expect(report.calls.every((c) => c.code === status.OK)).toBe(true);
      expect(report.calls.find((c) => c.method === "GetTask")!.durationMs).toBeGreaterThanOrEqual(350);
      expect(sim.logs.lines).toEqual([]);
      expect(server.logs.text).not.toMatch(/too_many_pings|GOAWAY/i);
    } finally {
      await server.close();
    }
  });

  it("takes an upstream template and input literals as they are", async () => {
    const sim = await simulator(new SimConnector());
    const report = await sim.run({
      template: {
        type: "sim_task",
        custom: { scripts: [["SUCCEEDED"]] },
        interface: {
          inputs: { variables: [{ key: "n", value: { type: { type: { case: "simple", value: 1 } } } }] },
          outputs: {
            variables: [{ key: "doubled", value: { type: { type: { case: "simple", value: 1 } } } }],
          },
        },
      },
      inputLiterals: {
        literals: [
          {
            name: "n",
            value: {
              value: {
                case: "scalar",
                value: { value: { case: "primitive", value: { value: { case: "integer", value: 5n } } } },
              },
            },
          },
        ],
      },
    });
    expect(report.outputs).toEqual({ doubled: 10 });
    expect(report.phases.map((p) => p.phase)).toEqual([Phase.SUCCEEDED]);
  });
});
