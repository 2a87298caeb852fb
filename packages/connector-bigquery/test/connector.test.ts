/**
 * BigQueryConnector through the real gRPC server against the DuckDB BigQuery emulator, with requests
 * encoded by the upstream @flyteorg/flyteidl2 encoder. Nothing is mocked: BigQuery's own transient
 * failures (which DuckDB never has) come from the emulator's injected faults.
 *
 * The backend's contract (idempotent create, repeatable get, delete of finished, running and unknown
 * jobs, outages during get, bad config named, meta through bytes, deadlines, no secret leaked) is checked
 * by the testing kit's `connectorConformance`; the tests after it are this connector's own behaviour.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { status } from "@grpc/grpc-js";
import { TaskExecution_Phase as Phase } from "@flyteorg/flyteidl2/flyteidl2/core/execution_pb.ts";
import { types } from "@flyte-connectors/runtime";
import { startEmulator, type RunningEmulator } from "@flyte-connectors/bigquery-emulator";
import { BigQueryConnector, BigQueryTask, NO_OUTPUTS_LABEL } from "../src";
import {
  connectorConformance,
  executionMetadata,
  lit,
  namedLiterals,
  startFaultProxy,
  statusOf,
  ty,
  variables,
  type FaultProxy,
} from "@flyte-connectors/testing";
import { CATEGORY, PROJECT, SEED, metaOf, rowsAt, startStack, type Stack } from "./support";

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ jobDelayMs: 30 });
});

afterAll(async () => {
  await stack?.close();
});

afterEach(() => stack.emulator.faults.clear());

// The conformance suite's own emulator, behind a fault proxy that can make BigQuery hang.
let emulator: RunningEmulator;
let proxy: FaultProxy;
beforeAll(async () => {
  emulator = await startEmulator({ project: PROJECT, data: SEED, jobDelayMs: 30 });
  proxy = await startFaultProxy(emulator.url);
});
afterAll(async () => {
  await proxy?.close();
  await emulator?.close();
});

const ordersTask = () =>
  new BigQueryTask("paid_orders", {
    queryTemplate: "SELECT order_id, customer FROM shop.orders WHERE paid = @paid ORDER BY order_id",
    pluginConfig: { ProjectID: PROJECT, Location: "US" },
    inputs: { paid: types.bool },
    outputDataFrameType: types.dataframe,
  });

/** A template as the backend sends it, for configs `BigQueryTask` itself would refuse to build. */
const rawTemplate = (custom: Record<string, unknown>, sql = "SELECT 1 AS one") => ({
  type: "bigquery_query_job_task",
  custom: custom as never,
  target: { case: "sql" as const, value: { statement: sql } },
});

/** Credentials that are not a usable service-account key; their text must never come back. */
const NOT_JSON =
  '{"client_email": "svc@p.iam.gserviceaccount.com", "private_key": "-----BEGIN PRIVATE KEY-----\\nAAAA-Secret-Zz9"';
const NOT_A_KEY = JSON.stringify({ type: "service_account", private_key_id: "pk-id-Secret-Qq1" });

connectorConformance({
  name: "BigQueryConnector conformance (DuckDB emulator)",
  // maxRetries 0: the Google client's own retries would outlast the outage the suite injects.
  connector: () => new BigQueryConnector({ apiEndpoint: proxy.url, maxRetries: 0 }),
  task: () => ({ template: ordersTask(), inputs: { paid: true } }),
  faults: { unavailable: (on) => emulator.faults.unavailable(on), hang: (on) => proxy.hang(on) },
  badConfigs: [
    { template: rawTemplate({ Location: "US" }), field: "custom.ProjectID" },
    { template: rawTemplate({ ProjectID: PROJECT, query: "SELECT 2" }), field: "custom.query" },
    { template: rawTemplate({ ProjectID: PROJECT }, "  "), field: "template.sql.statement" },
    { template: ordersTask(), inputs: { paid: true }, secrets: { google_application_credentials: NOT_JSON }, field: "google_application_credentials" },
    { template: ordersTask(), inputs: { paid: true }, secrets: { google_application_credentials: NOT_A_KEY }, field: "google_application_credentials" },
  ],
});

interface CreateOptions {
  run: string;
  sql?: string;
  retryAttempt?: number;
  inputs?: Record<string, unknown>;
  inputTypes?: Record<string, unknown>;
  custom?: Record<string, unknown>;
  outputs?: boolean;
  secrets?: Record<string, string>;
  withoutExecutionId?: boolean;
}

function createTask(options: CreateOptions) {
  const {
    run,
    sql = "SELECT order_id, customer FROM shop.orders ORDER BY order_id",
    retryAttempt = 0,
  } = options;
  return stack.client.createTask({
    template: {
      type: "bigquery_query_job_task",
      custom: (options.custom ?? { ProjectID: PROJECT, Location: "US", Domain: "development" }) as never,
      interface: {
        inputs: variables(options.inputTypes ?? {}),
        outputs: variables(options.outputs === false ? {} : { results: ty.dataframe }),
      },
      target: { case: "sql", value: { statement: sql } },
      metadata: { runtime: { version: "2.0.1" } },
    },
    inputs: { literals: namedLiterals(options.inputs ?? {}) as never },
    outputPrefix: "file:///tmp/out",
    taskExecutionMetadata: options.withoutExecutionId ? undefined : executionMetadata(run, retryAttempt),
    connection: options.secrets ? { secrets: options.secrets } : undefined,
  });
}

const getTask = (resourceMeta: Uint8Array) => stack.client.getTask({ resourceMeta, taskCategory: CATEGORY });

function pollUntilTerminal(resourceMeta: Uint8Array) {
  return stack.client.pollUntilTerminal(
    { resourceMeta, taskCategory: CATEGORY },
    { pauseMs: 5, maxPolls: 500 },
  );
}

type GetResource = Awaited<ReturnType<typeof getTask>>["resource"];

function resultsUri(resource: GetResource): string | undefined {
  const literal = resource?.outputs?.literals.find((l) => l.name === "results")?.value;
  if (literal?.value.case !== "scalar" || literal.value.value.value.case !== "structuredDataset")
    return undefined;
  return literal.value.value.value.value.uri;
}

describe("BigQueryConnector over gRPC against the emulator", () => {
  it("create → poll → SUCCEEDED with the result table as a bq:// DataFrame, a console link and statistics", async () => {
    const { resourceMeta } = await createTask({ run: "lifecycle" });
    const meta = metaOf(resourceMeta);
    // The Python connector's meta shape, exactly, so jobs survive a migration either way.
    expect(Object.keys(meta).sort()).toEqual(["job_id", "location", "project", "user_agent"]);
    expect(meta).toMatchObject({
      project: PROJECT,
      location: "US",
      user_agent: "Flyte/2.0.1 (GPN:Union;development)",
    });
    expect(meta.job_id).toMatch(/^flyte_[0-9a-f]{32}$/);

    const { resource, seen } = await pollUntilTerminal(resourceMeta);
    expect(seen[seen.length - 1]).toBe(Phase.SUCCEEDED);
    expect(seen.length).toBeGreaterThan(1); // something non-terminal (QUEUED or RUNNING) came first
    expect(resource.message).toBe("DONE");

    const uri = resultsUri(resource)!;
    expect(uri).toMatch(new RegExp(`^bq://${PROJECT}:[^.]+\\.anon[0-9a-f]+$`));
    const rows = await rowsAt(stack.bigquery, uri);
    expect(rows.map((r) => [r.order_id, r.customer])).toEqual([
      [1, "ada"],
      [2, "grace"],
      [3, "ada"],
    ]);
    expect(resource.logLinks.map((l) => [l.name, l.uri])).toEqual([
      [
        "BigQuery Console",
        `https://console.cloud.google.com/bigquery?project=${PROJECT}&j=bq:US:${meta.job_id}&page=queryresults`,
      ],
    ]);
    expect(resource.customInfo).toMatchObject({
      state: "DONE",
      statementType: "SELECT",
      cacheHit: false,
      totalBytesProcessed: "0",
    });
  });

  it("query config passes through: a destination table gets the rows and is the DataFrame URI", async () => {
    const { resourceMeta } = await createTask({
      run: "destination",
      sql: "SELECT customer, SUM(amount) AS total FROM shop.orders GROUP BY customer ORDER BY customer",
      custom: {
        ProjectID: PROJECT,
        destinationTable: { projectId: PROJECT, datasetId: "scratch", tableId: "totals" },
        writeDisposition: "WRITE_TRUNCATE",
        labels: { team: "data" },
      },
    });
    const { resource } = await pollUntilTerminal(resourceMeta);
    expect(resource.phase).toBe(Phase.SUCCEEDED);
    expect(resultsUri(resource)).toBe(`bq://${PROJECT}:scratch.totals`);
    expect(
      (await rowsAt(stack.bigquery, `bq://${PROJECT}:scratch.totals`)).map((r) => [r.customer, r.total]),
    ).toEqual([
      ["ada", 19.75],
      ["grace", 40],
    ]);
    const [job] = await stack.bigquery.job(metaOf(resourceMeta).job_id).getMetadata();
    expect(job.configuration.labels).toEqual({ team: "data" });
  });

  it("inputs become named query parameters typed from the interface", async () => {
    const when = new Date("2024-05-06T07:08:09.123Z");
    const { resourceMeta } = await createTask({
      run: "params",
      sql: [
        "SELECT COUNT(*) AS n, @label AS label, @scale * 2 AS scaled, @flag AS flag, @at AS happened_at,",
        "ARRAY_LENGTH(@ids) AS id_count FROM shop.orders WHERE order_id IN UNNEST(@ids) AND paid = @flag",
      ].join(" "),
      inputTypes: { label: ty.str, scale: ty.float, flag: ty.bool, at: ty.datetime, ids: ty.list(ty.int) },
      inputs: {
        label: lit.str("ada's orders"),
        scale: lit.float(1.25),
        flag: lit.bool(true),
        at: lit.datetime(when),
        ids: lit.list([lit.int(1), lit.int(2), lit.int(3)]),
      },
    });
    const { resource } = await pollUntilTerminal(resourceMeta);
    expect([resource.phase, resource.message]).toEqual([Phase.SUCCEEDED, "DONE"]);
    const [row] = await rowsAt(stack.bigquery, resultsUri(resource)!);
    expect(row).toMatchObject({ n: 2, label: "ada's orders", scaled: 2.5, flag: true, id_count: 3 });
    // A Flyte datetime travels as a DATETIME parameter holding the UTC wall-clock time, as in the Python plugin.
    expect(row.happened_at.value).toMatch(/^2024-05-06[T ]07:08:09\.123/);
  });

  it("bad SQL → FAILED with the engine's message; nothing is retried", async () => {
    const { resourceMeta } = await createTask({ run: "bad-sql", sql: "SELEC 1" });
    const { resource } = await pollUntilTerminal(resourceMeta);
    expect(resource.phase).toBe(Phase.FAILED);
    expect(resource.message).toMatch(/^invalidQuery: .*SELEC/);
    expect(resultsUri(resource)).toBeUndefined();
    // BigQuery answered the insert with the new, already failed job: created, not a repeat.
    const jobId = metaOf(resourceMeta).job_id;
    const connectorSaid = stack.logs
      .records()
      .filter((r) => r.jobId === jobId && /^query job/.test(String(r.msg)));
    expect(connectorSaid.map((r) => r.msg)).toEqual(["query job created; it failed at once"]);
  });

  it("a query on a missing table → FAILED naming the table", async () => {
    const { resourceMeta } = await createTask({ run: "no-table", sql: "SELECT * FROM shop.nope" });
    const { resource } = await pollUntilTerminal(resourceMeta);
    expect(resource.phase).toBe(Phase.FAILED);
    expect(resource.message).toMatch(/shop\.nope/);
  });

  it("without a task execution id every create is a new job", async () => {
    const a = metaOf((await createTask({ run: "x", withoutExecutionId: true })).resourceMeta);
    const b = metaOf((await createTask({ run: "x", withoutExecutionId: true })).resourceMeta);
    expect(a.job_id).not.toBe(b.job_id);
  });

  it("a task without outputs succeeds without any", async () => {
    const { resourceMeta } = await createTask({ run: "no-outputs", outputs: false });
    const { resource } = await pollUntilTerminal(resourceMeta);
    expect(resource.phase).toBe(Phase.SUCCEEDED);
    expect(resource.outputs?.literals ?? []).toEqual([]);
    const [job] = await stack.bigquery.job(metaOf(resourceMeta).job_id).getMetadata();
    expect(job.configuration.labels).toEqual({ [NO_OUTPUTS_LABEL]: "none" });
  });

  it("a DML statement reports its statement type and affected rows in customInfo", async () => {
    const { resourceMeta } = await createTask({
      run: "dml",
      sql: "UPDATE shop.orders SET paid = paid WHERE customer = 'ada'",
      outputs: false,
    });
    const { resource } = await pollUntilTerminal(resourceMeta);
    expect(resource.phase).toBe(Phase.SUCCEEDED);
    expect(resource.customInfo).toMatchObject({ statementType: "UPDATE", numDmlAffectedRows: "2" });
  });

  it("a job created by the Python connector (no label, its meta) reports results", async () => {
    const [job] = await stack.bigquery.createQueryJob({ query: "SELECT 7 AS seven", location: "US" });
    const meta = {
      job_id: job.id!,
      location: "US",
      project: PROJECT,
      user_agent: "Flyte/1.16.0 (GPN:Union;)",
    };
    const { resource } = await pollUntilTerminal(Buffer.from(JSON.stringify(meta)));
    expect(resource.phase).toBe(Phase.SUCCEEDED);
    expect(await rowsAt(stack.bigquery, resultsUri(resource)!)).toEqual([{ seven: 7 }]);
  });

  it("transient job failures (backendError, rateLimitExceeded) → RETRYABLE_FAILED with the reason", async () => {
    stack.emulator.faults.failNextJobs({ reason: "backendError", message: "Backend error. Job aborted." });
    const backend = await pollUntilTerminal((await createTask({ run: "backend-error" })).resourceMeta);
    expect(backend.resource.phase).toBe(Phase.RETRYABLE_FAILED);
    expect(backend.resource.message).toBe("backendError: Backend error. Job aborted.");

    stack.emulator.faults.failNextJobs({ reason: "rateLimitExceeded", message: "Exceeded rate limits" });
    const limited = await pollUntilTerminal((await createTask({ run: "rate-limited" })).resourceMeta);
    expect(limited.resource.phase).toBe(Phase.RETRYABLE_FAILED);

    stack.emulator.faults.failNextJobs({
      reason: "accessDenied",
      message: "Access Denied: Table shop.orders",
    });
    const denied = await pollUntilTerminal((await createTask({ run: "denied" })).resourceMeta);
    expect(denied.resource.phase).toBe(Phase.FAILED);
    expect(denied.resource.message).toBe("accessDenied: Access Denied: Table shop.orders");
  });

  it("BigQuery unavailable on create → UNAVAILABLE, which the backend retries; the retry creates the job once", async () => {
    stack.emulator.faults.unavailable(1);
    const refused = await statusOf(createTask({ run: "create-503" }));
    expect(refused).toMatchObject({
      code: status.UNAVAILABLE,
      details: expect.stringContaining("could not create the query job"),
    });
    const { resourceMeta } = await createTask({ run: "create-503" });
    expect((await pollUntilTerminal(resourceMeta)).resource.phase).toBe(Phase.SUCCEEDED);
  });

  it("an unknown job → FAILED 'job not found'; garbage meta → INVALID_ARGUMENT; the server keeps serving", async () => {
    const unknown = { job_id: "flyte_missing", project: PROJECT, location: "US", user_agent: "x" };
    const resource = (await getTask(Buffer.from(JSON.stringify(unknown)))).resource!;
    expect(resource.phase).toBe(Phase.FAILED);
    expect(resource.message).toBe(`job not found: ${PROJECT}:US.flyte_missing`);
    for (const garbage of ["not json", '{"job_id": 5}', "{}"]) {
      expect(await statusOf(getTask(Buffer.from(garbage)))).toMatchObject({ code: status.INVALID_ARGUMENT });
    }
    expect(
      (await pollUntilTerminal((await createTask({ run: "after-garbage" })).resourceMeta)).resource.phase,
    ).toBe(Phase.SUCCEEDED);
  });

  it("an input the SQL uses but the request lacks → INVALID_ARGUMENT naming it", async () => {
    // Bad custom config and credentials are conformance checks; a missing input never gets past the
    // kit's own conversion, so it is sent by hand here.
    const missingInput = await statusOf(
      createTask({ run: "bad4", sql: "SELECT @n", inputTypes: { n: ty.int } }),
    );
    expect(missingInput).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining("n"),
    });
  });

  it("the template the Python plugin writes (null Location, the colon-suffixed secrets key) runs", async () => {
    const { resourceMeta } = await createTask({
      run: "python-template",
      custom: {
        ProjectID: PROJECT,
        Location: null,
        Domain: "production",
        secrets: { "google_application_credentials:": "gcp-sa" },
      },
    });
    expect(metaOf(resourceMeta)).toMatchObject({
      location: "US",
      user_agent: "Flyte/2.0.1 (GPN:Union;production)",
    });
    expect((await pollUntilTerminal(resourceMeta)).resource.phase).toBe(Phase.SUCCEEDED);
    // The named secret does not exist here: warned about by name, and application default credentials used.
    expect(
      stack.logs
        .records()
        .some((r) => r.secret === "gcp-sa" && /credentials secret is not available/.test(String(r.msg))),
    ).toBe(true);
  });

});

describe("cancel", () => {
  let slow: Stack;
  beforeAll(async () => {
    // Jobs stay PENDING for a minute, long enough to cancel them.
    slow = await startStack({ jobDelayMs: 60_000 });
  });
  afterAll(async () => {
    await slow?.close();
  });

  it("delete cancels a pending job: it ends ABORTED with BigQuery's 'stopped'", async () => {
    const { resourceMeta } = await slow.client.createTask({
      template: {
        type: "bigquery_query_job_task",
        custom: { ProjectID: PROJECT } as never,
        interface: { inputs: variables({}), outputs: variables({ results: ty.dataframe }) },
        target: { case: "sql", value: { statement: "SELECT 1 AS one" } },
      },
      outputPrefix: "file:///tmp/out",
      taskExecutionMetadata: executionMetadata("cancel"),
    });
    const request = { resourceMeta, taskCategory: CATEGORY };
    expect((await slow.client.getTask(request)).resource!.phase).toBe(Phase.QUEUED);
    await slow.client.deleteTask(request);
    const resource = (await slow.client.getTask(request)).resource!;
    expect(resource.phase).toBe(Phase.ABORTED);
    expect(resource.message).toMatch(/^stopped: .*cancel/i);
  });
});

describe("BigQuery slow or down", () => {
  const meta = Buffer.from(
    JSON.stringify({ job_id: "flyte_x", project: PROJECT, location: "US", user_agent: "x" }),
  );
  let hanging: Server;
  let silent: Stack;
  let down: Stack;

  beforeAll(async () => {
    // Accepts connections and never answers: BigQuery at its slowest.
    hanging = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    silent = await startStack(
      {},
      { apiEndpoint: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}` },
    );
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    down = await startStack({}, { apiEndpoint: `http://127.0.0.1:${deadPort}` });
  });

  afterAll(async () => {
    await silent?.close();
    await down?.close();
    hanging?.closeAllConnections();
    await new Promise((resolve) => hanging?.close(resolve));
  });

  it("no answer: get says RUNNING 'did not answer in time' before the call's deadline", async () => {
    const started = Date.now();
    const resource = (
      await silent.client.getTask({ resourceMeta: meta, taskCategory: CATEGORY }, { deadlineMs: 2000 })
    ).resource!;
    expect(resource.phase).toBe(Phase.RUNNING);
    expect(resource.message).toBe("BigQuery did not answer in time; will check again");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("no answer: create and delete fail UNAVAILABLE before the deadline, so the backend retries them", async () => {
    const create = silent.client.createTask(
      {
        template: {
          type: "bigquery_query_job_task",
          custom: { ProjectID: PROJECT } as never,
          target: { case: "sql", value: { statement: "SELECT 1" } },
        },
        outputPrefix: "file:///tmp/out",
        taskExecutionMetadata: executionMetadata("slow"),
      },
      { deadlineMs: 2000 },
    );
    expect(await statusOf(create)).toMatchObject({
      code: status.UNAVAILABLE,
      details: expect.stringContaining("did not answer in time"),
    });
    const remove = silent.client.deleteTask(
      { resourceMeta: meta, taskCategory: CATEGORY },
      { deadlineMs: 2000 },
    );
    expect(await statusOf(remove)).toMatchObject({ code: status.UNAVAILABLE });
  });

  it("connection refused: get says RUNNING with the reason", async () => {
    const resource = (await down.client.getTask({ resourceMeta: meta, taskCategory: CATEGORY })).resource!;
    expect(resource.phase).toBe(Phase.RUNNING);
    expect(resource.message).toMatch(/^BigQuery is unreachable \(.*ECONNREFUSED.*\); will check again$/);
  });
});
