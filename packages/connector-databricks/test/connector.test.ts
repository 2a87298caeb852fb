/**
 * The connector through a real gRPC server against the Databricks emulator over real HTTP.
 *
 * `connectorConformance` checks what the Flyte backend relies on (idempotent create, repeatable get,
 * delete of finished, running and unknown runs, outages during get, bad config named, meta through bytes,
 * deadlines while Databricks hangs, no secret leaked); the tests after it are this connector's own.
 */
import { TaskExecutionPhase as Phase, phaseName, types } from "@flyte-connectors/runtime";
import {
  startDatabricksEmulator,
  type RunningDatabricksEmulator,
} from "@flyte-connectors/databricks-emulator";
import { connectorConformance, createCallContext, createContext } from "@flyte-connectors/testing";
import {
  DatabricksConnector,
  DatabricksTask,
  LIFE_CYCLE_PHASES,
  baseUrlOf,
  RESULT_PHASES,
  type DatabricksJobMeta,
} from "../src";
import { TOKEN } from "./support";

let emulator: RunningDatabricksEmulator;
beforeAll(async () => {
  emulator = await startDatabricksEmulator({ token: TOKEN });
});
afterAll(async () => {
  await emulator?.close();
});
afterEach(() => emulator.faults.clear());

const notebook = (instance: () => string, conf: Record<string, unknown> = {}) =>
  new DatabricksTask("nightly_report", {
    databricksInstance: instance(),
    databricksConf: {
      run_name: "nightly",
      existing_cluster_id: "0101-123456-abc",
      notebook_task: { notebook_path: "/Shared/nightly" },
      ...conf,
    },
    inputs: { day: types.string, limit: types.int },
  });
const INPUTS = { day: "2024-05-01", limit: 10 };

/** A template as the backend sends it, for configs `DatabricksTask` itself would refuse to build. */
const raw = (custom: Record<string, unknown>) => ({ type: "databricks", custom: custom as never });

connectorConformance({
  name: "DatabricksConnector conformance (Databricks emulator)",
  connector: () => new DatabricksConnector(),
  task: () => ({ template: notebook(() => emulator.url), inputs: INPUTS }),
  faults: { unavailable: (on) => emulator.faults.unavailable(on), hang: (on) => emulator.faults.hang(on) },
  badConfigs: [
    { template: raw({ databricksInstance: "127.0.0.1:1" }), field: "custom.databricksConf" },
    {
      template: raw({
        databricksInstance: "127.0.0.1:1",
        databricksConf: { notebook_task: { notebook_path: "/x" } },
      }),
      field: "custom.databricksConf.new_cluster",
    },
    {
      template: raw({
        databricksInstance: "ftp://nope",
        databricksConf: { existing_cluster_id: "c", notebook_task: {} },
      }),
      field: "custom.databricksInstance",
    },
    { template: raw({ databricksConf: { existing_cluster_id: "c" } }), field: "custom.databricksConf" },
  ],
  secrets: { databricks_token: TOKEN },
  unknownJob: (meta) => ({ ...(meta as DatabricksJobMeta), run_id: "987654321" }),
});

describe("DatabricksConnector against the emulator", () => {
  const connector = new DatabricksConnector();
  const opened: Array<{ end(): void }> = [];
  const track = <T extends { end(): void }>(ctx: T): T => (opened.push(ctx), ctx);
  afterEach(() => opened.splice(0).forEach((ctx) => ctx.end()));
  const ctx = (token = TOKEN, deadlineMs?: number) =>
    track(createCallContext({ secrets: { databricks_token: token }, ...(deadlineMs ? { deadlineMs } : {}) }));
  let attempts = 0;
  const submit = (conf: Record<string, unknown> = {}, key = `unit-${++attempts}`) =>
    connector.create(
      track(
        createContext({
          template: notebook(() => emulator.url, conf),
          inputs: INPUTS,
          secrets: { databricks_token: TOKEN },
          idempotencyKey: key,
        }),
      ),
    );
  const finish = async (meta: DatabricksJobMeta) => {
    const phases = [];
    for (let i = 0; i < 3; i++) phases.push((await connector.get(meta, ctx())).phase);
    return phases;
  };

  test("a notebook run: inputs become base_parameters; INITIALIZING, RUNNING, SUCCEEDED with a console link", async () => {
    const meta = await submit();
    expect(Object.keys(meta).sort()).toEqual(["databricks_instance", "run_id"]);
    expect(meta.databricks_instance).toBe(emulator.url);
    const body = emulator.submissions.find((s) => String(s.runId) === meta.run_id)!.body;
    expect(body).toEqual({
      run_name: "nightly",
      existing_cluster_id: "0101-123456-abc",
      notebook_task: {
        notebook_path: "/Shared/nightly",
        base_parameters: { day: "2024-05-01", limit: "10" },
      },
      idempotency_token: expect.any(String),
    });
    const first = await connector.get(meta, ctx());
    expect(first).toMatchObject({ phase: Phase.INITIALIZING, message: "PENDING: Waiting for cluster" });
    const jobId = emulator.run(meta.run_id)!.job_id;
    expect(first.logLinks).toEqual([
      { name: "Databricks Console", uri: `${emulator.url}/#job/${jobId}/run/${meta.run_id}` },
    ]);
    expect((await connector.get(meta, ctx())).phase).toBe(Phase.RUNNING);
    expect(await connector.get(meta, ctx())).toMatchObject({
      phase: Phase.SUCCEEDED,
      customInfo: { result_state: "SUCCESS" },
    });
  });

  test.each([
    [
      "spark_python_task",
      { spark_python_task: { python_file: "dbfs:/m.py", parameters: ["a"] } },
      ["a", "--day=2024-05-01", "--limit=10"],
    ],
    ["spark_jar_task", { spark_jar_task: { main_class_name: "M" } }, ["--day=2024-05-01", "--limit=10"]],
  ])("a %s run gets the inputs as --name=value parameters", async (kind, task, parameters) => {
    const t = new DatabricksTask("t", {
      databricksInstance: emulator.url,
      databricksConf: { new_cluster: { spark_version: "14.3.x" }, ...task },
      sparkConf: { "spark.x": "1" },
      inputs: { day: types.string, limit: types.int },
    });
    const meta = await connector.create(
      track(
        createContext({
          template: t,
          inputs: INPUTS,
          secrets: { databricks_token: TOKEN },
          idempotencyKey: `k-${kind}`,
        }),
      ),
    );
    const body = emulator.submissions.find((s) => String(s.runId) === meta.run_id)!.body;
    expect((body[kind] as { parameters: string[] }).parameters).toEqual(parameters);
    expect(body.new_cluster).toEqual({ spark_version: "14.3.x", spark_conf: { "spark.x": "1" } });
  });

  test("a SQL task needs no cluster; its inputs are named parameters", async () => {
    const t = new DatabricksTask("q", {
      databricksInstance: emulator.url,
      databricksConf: { sql_task: { warehouse_id: "w1", query: { query_id: "q1" } } },
      inputs: { day: types.string },
    });
    const meta = await connector.create(
      track(
        createContext({
          template: t,
          inputs: { day: "d" },
          secrets: { databricks_token: TOKEN },
          idempotencyKey: "k-sql",
        }),
      ),
    );
    expect(emulator.submissions.find((s) => String(s.runId) === meta.run_id)!.body.sql_task).toEqual({
      warehouse_id: "w1",
      query: { query_id: "q1" },
      parameters: { day: "d" },
    });
  });

  test("the same attempt twice is one run; another attempt is another run", async () => {
    const a = await submit({}, "same-attempt");
    const b = await submit({}, "same-attempt");
    const c = await submit({}, "next-attempt");
    expect(b).toEqual(a);
    expect(c.run_id).not.toBe(a.run_id);
    expect(
      emulator.submissions.filter((s) => s.runId === Number(a.run_id)).map((s) => s.deduplicated),
    ).toEqual([false, true]);
  });

  test.each([
    ["failure", Phase.FAILED, "FAILED: Workload failed"],
    ["timeout", Phase.FAILED, "TIMEDOUT: Run timed out"],
    ["internal_error", Phase.RETRYABLE_FAILED, "INTERNAL_ERROR: Cluster terminated"],
  ] as const)(
    "a run scripted to end in %s ends %i (FAILED 5, RETRYABLE_FAILED 8)",
    async (outcome, phase, message) => {
      emulator.scriptNextRuns(outcome);
      const meta = await submit();
      await finish(meta);
      expect(await connector.get(meta, ctx())).toMatchObject({
        phase,
        message: expect.stringContaining(message),
      });
    },
  );

  // Every state Databricks documents, through the emulator's pinned state: the phase and that the message says it.
  const lifeCycles: Array<[string, Phase]> = [
    ["PENDING", Phase.INITIALIZING],
    ["QUEUED", Phase.QUEUED],
    ["BLOCKED", Phase.WAITING_FOR_RESOURCES],
    ["WAITING_FOR_RETRY", Phase.WAITING_FOR_RESOURCES],
    ["RUNNING", Phase.RUNNING],
    ["TERMINATING", Phase.RUNNING],
    ["SKIPPED", Phase.FAILED],
    ["INTERNAL_ERROR", Phase.RETRYABLE_FAILED],
  ];
  const results: Array<[string, Phase]> = [
    ["SUCCESS", Phase.SUCCEEDED],
    ["SUCCESS_WITH_FAILURES", Phase.SUCCEEDED],
    ["FAILED", Phase.FAILED],
    ["TIMEDOUT", Phase.FAILED],
    ["CANCELED", Phase.ABORTED],
    ["MAXIMUM_CONCURRENT_RUNS_REACHED", Phase.RETRYABLE_FAILED],
    ["EXCLUDED", Phase.FAILED],
    ["UPSTREAM_FAILED", Phase.FAILED],
    ["UPSTREAM_CANCELED", Phase.ABORTED],
  ];
  test("the tables cover every documented state", () => {
    for (const [state] of lifeCycles) expect(LIFE_CYCLE_PHASES).toHaveProperty(state);
    for (const [state] of results) expect(RESULT_PHASES).toHaveProperty(state);
  });
  const named = (table: Array<[string, Phase]>) =>
    table.map(([state, phase]) => [state, phaseName(phase), phase] as const);
  test.each(named(lifeCycles))("life_cycle_state %s → %s", async (life, _name, phase) => {
    const meta = await submit();
    emulator.setRunState(meta.run_id, { life_cycle_state: life, state_message: `msg ${life}` });
    expect(await connector.get(meta, ctx())).toMatchObject({ phase, message: `${life}: msg ${life}` });
  });
  test.each(named(results))("TERMINATED with result_state %s → %s", async (result, _name, phase) => {
    const meta = await submit();
    emulator.setRunState(meta.run_id, {
      life_cycle_state: "TERMINATED",
      result_state: result,
      state_message: "why",
    });
    expect(await connector.get(meta, ctx())).toMatchObject({ phase, message: `${result}: why` });
  });
  test.each([
    ["no state", null, "no state yet"],
    ["TERMINATED without a result", { life_cycle_state: "TERMINATED" }, "result is not known yet"],
    [
      "an unknown life-cycle state",
      { life_cycle_state: "HIBERNATING" },
      "unknown life-cycle state HIBERNATING",
    ],
    [
      "an unknown result state",
      { life_cycle_state: "TERMINATED", result_state: "MAYBE" },
      "unknown result state MAYBE",
    ],
    ["a state that is not an object", "weird", "no state yet"],
  ])("%s is RUNNING with a message, never UNDEFINED", async (_name, state, message) => {
    const meta = await submit();
    emulator.setRunState(meta.run_id, state as never);
    expect(await connector.get(meta, ctx())).toMatchObject({
      phase: Phase.RUNNING,
      message: expect.stringContaining(message),
    });
  });
  test.each([
    ["an HTML page", "<html>bad gateway</html>"],
    ["a JSON list", [1, 2]],
    ["null", null],
  ])("an odd runs/get answer (%s) is RUNNING with a message", async (_name, body) => {
    const meta = await submit();
    emulator.setRunAnswer(meta.run_id, body);
    expect(await connector.get(meta, ctx())).toMatchObject({
      phase: Phase.RUNNING,
      message: expect.stringContaining("unexpected answer"),
    });
  });

  test("429 with Retry-After, 503 and a hang are non-terminal, answered within the deadline", async () => {
    const meta = await submit();
    emulator.faults.rateLimited(1, 30);
    expect(await connector.get(meta, ctx())).toMatchObject({
      phase: Phase.RUNNING,
      message: expect.stringContaining("retry after 30s"),
    });
    emulator.faults.unavailable(1);
    expect(await connector.get(meta, ctx())).toMatchObject({
      phase: Phase.RUNNING,
      message: expect.stringContaining("HTTP 503"),
    });
    emulator.faults.hang(1);
    const call = ctx(TOKEN, 1500);
    const answer = await connector.get(meta, call);
    expect(answer).toMatchObject({
      phase: Phase.RUNNING,
      message: expect.stringContaining("before the call's deadline"),
    });
    expect(call.signal.aborted).toBe(false); // answered before the deadline fired
  });

  test("connection refused is non-terminal", async () => {
    const closed = await startDatabricksEmulator({ token: TOKEN });
    const url = closed.url;
    await closed.close();
    expect(await connector.get({ databricks_instance: url, run_id: "1" }, ctx())).toMatchObject({
      phase: Phase.RUNNING,
      message: expect.stringContaining("could not be reached"),
    });
  });

  test("create retries a 429 and a 503 burst within its deadline: one run", async () => {
    emulator.faults.rateLimited(1, 0);
    const before = emulator.runs().length;
    emulator.faults.unavailable(false);
    const meta = await submit({}, "retried-create");
    expect(emulator.runs().length).toBe(before + 1);
    emulator.faults.unavailable(2);
    expect(await submit({}, "retried-create")).toEqual(meta);
    expect(emulator.runs().length).toBe(before + 1);
  });

  test("create while Databricks hangs fails UNAVAILABLE before the deadline", async () => {
    emulator.faults.hang(true);
    const create = track(
      createContext({
        template: notebook(() => emulator.url),
        inputs: INPUTS,
        secrets: { databricks_token: TOKEN },
        deadlineMs: 1500,
      }),
    );
    await expect(connector.create(create)).rejects.toMatchObject({ code: "unavailable" });
    expect(create.signal.aborted).toBe(false);
  });

  test("401/403 are FAILED naming databricks_token, never showing a token", async () => {
    const meta = await submit();
    const wrong = "dapi-WRONG-zz81";
    const answer = await connector.get(meta, ctx(wrong));
    expect(answer).toMatchObject({
      phase: Phase.FAILED,
      message: expect.stringContaining("databricks_token"),
    });
    expect(answer.message).toContain("403");
    expect(JSON.stringify(answer)).not.toContain(wrong);
    const create = track(
      createContext({
        template: notebook(() => emulator.url),
        inputs: INPUTS,
        secrets: { databricks_token: wrong },
      }),
    );
    const error = await connector.create(create).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({
      code: "permission_denied",
      message: expect.stringContaining("databricks_token"),
    });
    expect(String(error) + create.logs.text).not.toContain(wrong);
    const missing = track(createContext({ template: notebook(() => emulator.url), inputs: INPUTS }));
    await expect(connector.create(missing)).rejects.toMatchObject({ code: "bad_request" });
  });

  test("delete cancels a running run, and succeeds for finished, cancelled and unknown runs", async () => {
    const running = await submit();
    await connector.get(running, ctx());
    await connector.delete(running, ctx());
    expect(await connector.get(running, ctx())).toMatchObject({
      phase: Phase.ABORTED,
      message: "CANCELED: Run cancelled.",
    });
    await connector.delete(running, ctx()); // cancelled already
    const finished = await submit();
    await finish(finished);
    await connector.delete(finished, ctx());
    expect((await connector.get(finished, ctx())).phase).toBe(Phase.SUCCEEDED);
    await connector.delete({ databricks_instance: emulator.url, run_id: "123456789" }, ctx());
    // Unknown to get: FAILED, not an error the backend counts.
    expect(
      await connector.get({ databricks_instance: emulator.url, run_id: "123456789" }, ctx()),
    ).toMatchObject({
      phase: Phase.FAILED,
      message: expect.stringContaining("does not exist"),
    });
  });

  test("delete during an outage is UNAVAILABLE (the backend retries it)", async () => {
    const meta = await submit();
    emulator.faults.unavailable(1);
    await expect(connector.delete(meta, ctx())).rejects.toMatchObject({ code: "unavailable" });
  });

  test("logs: the run's output then its error and trace, paged by a line-offset token", async () => {
    emulator.scriptNextRuns("failure");
    const meta = await submit();
    await finish(meta);
    const read = async (token: string, lines: number) => {
      const chunks = [];
      for await (const chunk of connector.getLogs(meta, { token, lines }, ctx())) chunks.push(chunk);
      return {
        lines: chunks.flatMap((c) => c.lines ?? []).map((l) => (typeof l === "string" ? l : l.message)),
        token: chunks[chunks.length - 1].token,
      };
    };
    const all = await read("", 0);
    expect(all.token).toBe("");
    expect(all.lines[0]).toContain(`run ${meta.run_id}`);
    expect(all.lines).toContain("working: step 2 of 3");
    expect(all.lines).toContain("error: ValueError: the emulated workload failed as scripted");
    expect(all.lines[all.lines.length - 1]).toBe("ValueError: the emulated workload failed as scripted");
    const first = await read("", 3);
    expect(first).toEqual({ lines: all.lines.slice(0, 3), token: "3" });
    const rest = await read("3", 0);
    expect([...first.lines, ...rest.lines]).toEqual(all.lines);
    await expect(read("nope", 0)).rejects.toMatchObject({ code: "bad_request" });
  });

  test("the instance falls back to FLYTE_DATABRICKS_INSTANCE; a bare host means https", async () => {
    const t = new DatabricksTask("env", {
      databricksConf: { existing_cluster_id: "c", notebook_task: { notebook_path: "/x" } },
    });
    const saved = process.env.FLYTE_DATABRICKS_INSTANCE;
    process.env.FLYTE_DATABRICKS_INSTANCE = emulator.url;
    try {
      const meta = await connector.create(
        track(createContext({ template: t, secrets: { databricks_token: TOKEN } })),
      );
      expect(meta.databricks_instance).toBe(emulator.url);
    } finally {
      if (saved === undefined) delete process.env.FLYTE_DATABRICKS_INSTANCE;
      else process.env.FLYTE_DATABRICKS_INSTANCE = saved;
    }
    expect(baseUrlOf("myorg.cloud.databricks.com")).toBe("https://myorg.cloud.databricks.com");
    expect(baseUrlOf("http://127.0.0.1:9060/")).toBe("http://127.0.0.1:9060");
  });
});

describe("DatabricksTask", () => {
  test("needs exactly one task kind", () => {
    expect(() => new DatabricksTask("t", { databricksConf: { existing_cluster_id: "c" } })).toThrow(
      /exactly one/,
    );
    expect(
      () =>
        new DatabricksTask("t", {
          databricksConf: { existing_cluster_id: "c", notebook_task: {}, sql_task: {} },
        }),
    ).toThrow(/notebook_task, sql_task/);
  });

  test("its config is the Python plugin's shape, with the token's secret name", () => {
    const t = new DatabricksTask("t", {
      databricksInstance: "myorg.cloud.databricks.com",
      databricksConf: { existing_cluster_id: "c", notebook_task: { notebook_path: "/x" } },
      sparkConf: { a: "b" },
      tokenEnv: "MY_TOKEN",
    });
    expect(t.toProto().custom).toEqual({
      sparkConf: { a: "b" },
      databricksConf: { existing_cluster_id: "c", notebook_task: { notebook_path: "/x" } },
      databricksInstance: "myorg.cloud.databricks.com",
      secrets: { databricks_token: "MY_TOKEN" },
    });
  });
});
