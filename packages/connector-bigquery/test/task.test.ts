/**
 * BigQueryTask: the template it writes (the Python plugin's), and `execute()` against the DuckDB
 * BigQuery emulator, in process and through the real gRPC server. Nothing is mocked.
 */
import { PassThrough } from "node:stream";
import pino from "pino";
import {
  ConnectorError,
  ConnectorRegistry,
  DataFrame,
  TaskExecutionPhase,
  types,
} from "@flyte-connectors/runtime";
import { TaskFailedError, type ExecuteOptions } from "@flyte-connectors/runtime/executor";
import { BigQueryConnector, BigQueryTask } from "../src";
import { PROJECT, rowsAt, startStack, type Stack } from "./support";

let stack: Stack;
let local: ExecuteOptions;

beforeAll(async () => {
  stack = await startStack({ jobDelayMs: 20 });
  local = {
    registry: new ConnectorRegistry([new BigQueryConnector({ apiEndpoint: stack.emulator.url })]),
    poll: { initialMs: 10, multiplier: 1.5, maxMs: 50 },
    logger: pino({ level: "silent" }),
  };
});

afterAll(async () => {
  await stack?.close();
});

function paidOrders() {
  return new BigQueryTask("paid_orders", {
    queryTemplate:
      "SELECT order_id, amount FROM shop.orders WHERE paid = @paid AND amount >= @min ORDER BY order_id",
    pluginConfig: { ProjectID: PROJECT, Location: "US" },
    inputs: { paid: types.bool, min: types.float },
    outputDataFrameType: types.dataframe,
  });
}

function rowsOf(frame: DataFrame) {
  return rowsAt(stack.bigquery, frame.uri);
}

describe("BigQueryTask's template", () => {
  it("is the Python plugin's: task type, custom ProjectID/Location/Domain, flattened query config, secrets, SQL", () => {
    const task = new BigQueryTask("totals", {
      queryTemplate: "SELECT 1 -- a comment\nAS one",
      pluginConfig: {
        ProjectID: "my-project",
        Location: "EU",
        QueryJobConfig: {
          priority: "BATCH",
          maximumBytesBilled: "1000000",
          useQueryCache: false,
          labels: { team: "ml" },
        },
      },
      inputs: { day: types.string },
      outputDataFrameType: types.dataframe,
      googleApplicationCredentials: "gcp-sa",
      retries: 2,
    });
    const proto = task.toProto({ domain: "production" });
    expect(proto.type).toBe("bigquery_query_job_task");
    expect(proto.taskTypeVersion).toBe(0);
    expect(proto.custom).toEqual({
      ProjectID: "my-project",
      Location: "EU",
      Domain: "production",
      priority: "BATCH",
      maximumBytesBilled: "1000000",
      useQueryCache: false,
      labels: { team: "ml" },
      secrets: { google_application_credentials: "gcp-sa" },
    });
    // Sent as written: folding it onto one line, as the Python plugin does, would comment out "AS one".
    expect(proto.target).toEqual({
      $case: "sql",
      value: { statement: "SELECT 1 -- a comment\nAS one", dialect: expect.anything() },
    });
    expect(proto.interface?.inputs?.variables.map((v) => v.key)).toEqual(["day"]);
    expect(proto.interface?.outputs?.variables.map((v) => [v.key, v.value?.type?.type?.$case])).toEqual([
      ["results", "structuredDatasetType"],
    ]);
    expect(proto.metadata?.retries?.retries).toBe(2);
  });

  it("declares no outputs without an output data frame type", () => {
    const task = new BigQueryTask("ddl", {
      queryTemplate: "CREATE TABLE scratch.t (x INT64)",
      pluginConfig: { ProjectID: PROJECT },
    });
    expect(task.toProto().interface?.outputs?.variables).toEqual([]);
    expect(task.toProto().custom).toEqual({ ProjectID: PROJECT, Domain: "development" });
  });

  it("bad configuration fails at construction, naming the field", () => {
    const noProject = () =>
      new BigQueryTask("x", { queryTemplate: "SELECT 1", pluginConfig: { ProjectID: "" } });
    expect(noProject).toThrow(ConnectorError);
    expect(noProject).toThrow(/custom\.ProjectID/);
    expect(() => new BigQueryTask("x", { queryTemplate: " ", pluginConfig: { ProjectID: PROJECT } })).toThrow(
      /needs a queryTemplate/,
    );
    const reserved = { query: "SELECT 2" } as never;
    expect(
      () =>
        new BigQueryTask("x", {
          queryTemplate: "SELECT 1",
          pluginConfig: { ProjectID: PROJECT, QueryJobConfig: reserved },
        }),
    ).toThrow(/custom\.query is set by the connector/);
  });

  it("types execute() from its options", () => {
    const task = paidOrders();
    // Compile-time checks, enforced by `npm run typecheck`; the calls never run.
    const typed = async () => {
      const { results } = await task.execute({ paid: true, min: 1 });
      const frame: DataFrame = results;
      // @ts-expect-error: `paid` is a bool
      await task.execute({ paid: "yes", min: 1 });
      // @ts-expect-error: `min` is required
      await task.execute({ paid: true });
      const none = new BigQueryTask("none", {
        queryTemplate: "SELECT 1",
        pluginConfig: { ProjectID: PROJECT },
      });
      const outputs = await none.execute({});
      // @ts-expect-error: a task without an output data frame type has no `results`
      void outputs.results;
      return frame;
    };
    expect(typeof typed).toBe("function");
  });
});

describe("BigQueryTask.execute() against the emulator", () => {
  it("in process: returns the result table as a DataFrame", async () => {
    const { results } = await paidOrders().execute({ paid: true, min: 10 }, local);
    expect(results).toBeInstanceOf(DataFrame);
    expect(results.uri).toMatch(new RegExp(`^bq://${PROJECT}:`));
    expect((await rowsOf(results)).map((r) => [r.order_id, r.amount])).toEqual([[1, 12.5]]);
  });

  it("remote: the same call through a running connector server over gRPC", async () => {
    const { results } = await paidOrders().execute(
      { paid: true, min: 0 },
      { ...local, registry: undefined, endpoint: stack.address },
    );
    expect((await rowsOf(results)).map((r) => r.order_id)).toEqual([1, 3]);
  });

  it("a task without outputs returns none, and its statement ran", async () => {
    const create = new BigQueryTask("create_table", {
      queryTemplate: "CREATE TABLE scratch.made_by_task AS SELECT customer FROM shop.orders WHERE paid",
      pluginConfig: { ProjectID: PROJECT },
    });
    expect(await create.execute({}, local)).toEqual({});
    const [rows] = await stack.bigquery.dataset("scratch").table("made_by_task").getRows();
    expect(rows).toHaveLength(2);
  });

  it("bad SQL rejects with TaskFailedError carrying the engine's message", async () => {
    const broken = new BigQueryTask("broken", {
      queryTemplate: "SELEC 1",
      pluginConfig: { ProjectID: PROJECT },
      outputDataFrameType: types.dataframe,
    });
    const error = await broken.execute({}, local).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({
      phase: TaskExecutionPhase.FAILED,
      attempts: 1,
      reason: expect.stringMatching(/^invalidQuery: .*SELEC/),
    });
  });

  it("a transient BigQuery failure is retried as a new job when the task allows retries", async () => {
    const task = new BigQueryTask("flaky", {
      queryTemplate: "SELECT COUNT(*) AS n FROM shop.orders",
      pluginConfig: { ProjectID: PROJECT },
      outputDataFrameType: types.dataframe,
      retries: 1,
    });
    stack.emulator.faults.failNextJobs({ reason: "backendError", message: "Backend error" });
    const progress = new PassThrough();
    let printed = "";
    progress.on("data", (chunk) => (printed += chunk));
    const { results } = await task.execute({}, { ...local, logger: pino({ level: "info" }, progress) });
    expect(await rowsOf(results)).toEqual([{ n: 3 }]);
    expect(printed).toMatch(/RETRYABLE_FAILED/);
    expect(printed).toMatch(/backendError: Backend error/);
  });
});
