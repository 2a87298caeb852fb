/**
 * The connector against a BigQuery API that answers with shapes the real one should not: a tiny
 * node:http server is the API endpoint and answers each method and path with a body the test sets.
 * Calls go through the real gRPC server, encoded by the upstream @flyteorg/flyteidl2 encoder, and reach
 * the server through the unmodified Google client. Whatever the body, a call answers with a phase and a
 * readable message, or a clear error code — never INTERNAL, never a TypeError's text, never a hang.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { status } from "@grpc/grpc-js";
import { TaskExecution_Phase as Phase } from "@flyteorg/flyteidl2/flyteidl2/core/execution_pb.ts";
import { ConnectorRegistry } from "@flyte-connectors/runtime";
import { ConnectorServer } from "@flyte-connectors/runtime/server";
import { BigQueryConnector } from "../src";
import { LogCapture, UpstreamClient, executionMetadata, statusOf, ty, variables } from "@flyte-connectors/testing";
import { CATEGORY, PROJECT, metaOf } from "./support";

const JOBS = `/bigquery/v2/projects/${PROJECT}/jobs`;
/** Far more than any message may quote. */
const HUGE = "x".repeat(1_000_000);
const MESSAGE_BOUND = 600;

interface Answer {
  status: number;
  body: string;
  contentType: string;
}

const answers = new Map<string, Answer>();
let api: Server;
let server: ConnectorServer;
let client: UpstreamClient;
let logs: LogCapture;

/** `method path` gets `body`: a value as JSON, or `{ raw }` as text (labelled JSON with `json: true`). */
function answer(method: string, path: string, body: unknown, httpStatus = 200): void {
  const given = typeof body === "object" && body !== null && "raw" in body ? (body as { raw: string; json?: boolean }) : undefined;
  answers.set(`${method} ${path}`, {
    status: httpStatus,
    body: given ? given.raw : JSON.stringify(body),
    contentType: given && !given.json ? "text/html" : "application/json",
  });
}

beforeAll(async () => {
  api = createServer((req, res) => {
    const found = answers.get(`${req.method} ${new URL(req.url ?? "/", "http://api.invalid").pathname}`);
    req.resume();
    if (!found) {
      res.writeHead(404, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: { code: 404, message: "Not found: no answer set", errors: [{ reason: "notFound" }] } }));
      return;
    }
    res.writeHead(found.status, { "Content-Type": found.contentType }).end(found.body);
  });
  await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
  logs = new LogCapture();
  server = new ConnectorServer({
    registry: new ConnectorRegistry([
      new BigQueryConnector({ apiEndpoint: `http://127.0.0.1:${(api.address() as AddressInfo).port}`, maxRetries: 0 }),
    ]),
    logLevel: "debug",
    logDestination: logs,
    processMetrics: false,
  });
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  client = new UpstreamClient(`127.0.0.1:${port}`);
});

afterAll(async () => {
  client.close();
  await server.shutdown({ graceMs: 200 });
  api.closeAllConnections();
  await new Promise((resolve) => api.close(resolve));
});

/** A job id (and so a URL path segment) from a test's name. */
const idOf = (prefix: string, name: string) => `flyte_${prefix}_${name.replace(/\W+/g, "_")}`;

/** GetTask of job `jobId` whose `jobs.get` answers `body`; fails the test on any gRPC error. */
async function getWith(jobId: string, body: unknown, httpStatus = 200) {
  answer("GET", `${JOBS}/${jobId}`, body, httpStatus);
  const meta = { job_id: jobId, project: PROJECT, location: "US", user_agent: "Flyte/2.0.0 (GPN:Union;)" };
  const resource = (await client.getTask({ resourceMeta: Buffer.from(JSON.stringify(meta)), taskCategory: CATEGORY })).resource!;
  expect(resource.message.length).toBeLessThan(MESSAGE_BOUND);
  return resource;
}

const done = (extra: Record<string, unknown> = {}) => ({
  status: { state: "DONE" },
  configuration: { query: { destinationTable: { projectId: PROJECT, datasetId: "_anon", tableId: "anon1" } } },
  ...extra,
});

function resultsUri(resource: Awaited<ReturnType<typeof getWith>>): string | undefined {
  const literal = resource.outputs?.literals.find((l) => l.name === "results")?.value;
  if (literal?.value.case !== "scalar" || literal.value.value.value.case !== "structuredDataset") return undefined;
  return literal.value.value.value.value.uri;
}

describe("GetTask: a job resource of the wrong shape → RUNNING 'unexpected answer; will check again'", () => {
  test.each([
    ["a numeric state", { status: { state: 5 } }, "status.state must be a string, not a number"],
    ["an object as state", { status: { state: { name: "DONE" } } }, "status.state must be a string, not an object"],
    ["no status", { id: "p:US.j" }, "status must be an object, not missing"],
    ["a string as status", { status: "DONE" }, "status must be an object, not a string"],
    ["a list", [{ status: { state: "DONE" } }], "a list instead of a JSON object"],
    ["a body that is not JSON", { raw: "<html>502 Bad Gateway</html>" }, 'a body that is not a JSON object: "<html>502 Bad Gateway</html>"'],
    ["a huge body that is not JSON", { raw: HUGE }, expect.stringMatching(/^a body that is not a JSON object: "x+…"$/)],
    // The Google client hands a JSON null over as nothing at all.
    ["null", null, "an empty body"],
    ["an empty body", { raw: "" }, "an empty body"],
    // The Google client throws a SyntaxError for these.
    ["an empty body labelled JSON", { raw: "", json: true }, "a body that is not JSON"],
    ["broken JSON", { raw: '{"status": {"state": "DO', json: true }, "a body that is not JSON"],
  ])("%s", async (name, body, problem) => {
    const resource = await getWith(idOf("shape", name), body);
    expect(resource.phase).toBe(Phase.RUNNING);
    const match = /^BigQuery gave an unexpected answer \((.*)\); will check again$/.exec(resource.message);
    expect(match?.[1]).toEqual(problem);
    expect(resource.logLinks.map((l) => l.name)).toEqual(["BigQuery Console"]);
  });

  it("an unknown state → RUNNING naming it, bounded", async () => {
    expect((await getWith(idOf("state", "new"), { status: { state: "PAUSED" } })).message).toBe(
      'unrecognised job state "PAUSED"; will check again',
    );
    const huge = await getWith(idOf("state", "huge"), { status: { state: HUGE } });
    expect(huge.phase).toBe(Phase.RUNNING);
    expect(huge.message).toMatch(/^unrecognised job state "x+…"; will check again$/);
  });
});

describe("GetTask: a DONE job with odd fields", () => {
  test.each([
    ["a string", "Query exceeded resource limits", Phase.FAILED, "the query failed: Query exceeded resource limits"],
    ["an ErrorProto", { reason: "invalidQuery", message: "Syntax error at [1:8]", location: "query" }, Phase.FAILED, "invalidQuery: Syntax error at [1:8]"],
    ["a transient reason", { reason: "backendError", message: "Backend error" }, Phase.RETRYABLE_FAILED, "backendError: Backend error"],
    ["a numeric reason", { reason: 503, message: "Backend error" }, Phase.FAILED, "Backend error"],
    ["an empty object", {}, Phase.FAILED, "the query failed"],
    ["a list", [{ reason: "invalid" }], Phase.FAILED, 'the query failed: [{"reason":"invalid"}]'],
    ["a number", 7, Phase.FAILED, "the query failed: 7"],
  ])("errorResult as %s → a failure with readable text", async (name, errorResult, phase, message) => {
    const resource = await getWith(idOf("error", name), { status: { state: "DONE", errorResult } });
    expect(resource.phase).toBe(phase);
    expect(resource.message).toBe(message);
    expect(resource.message).not.toContain("[object Object]");
  });

  it("a huge error message is cut with an ellipsis", async () => {
    const resource = await getWith(idOf("error", "huge"), { status: { state: "DONE", errorResult: { reason: "invalidQuery", message: HUGE } } });
    expect(resource.phase).toBe(Phase.FAILED);
    expect(resource.message).toMatch(/^invalidQuery: x+…$/);
  });

  test.each([
    ["no tableId", { projectId: PROJECT, datasetId: "_anon" }, "configuration.query.destinationTable.tableId must be a string, not missing"],
    ["a numeric datasetId", { projectId: PROJECT, datasetId: 4, tableId: "t" }, "configuration.query.destinationTable.datasetId must be a string, not a number"],
    ["an empty projectId", { projectId: "", datasetId: "d", tableId: "t" }, "configuration.query.destinationTable.projectId must not be empty"],
    ["a string", "p:d.t", "configuration.query.destinationTable must be an object, not a string"],
  ])("a destination table with %s → FAILED: the output cannot be named", async (name, destinationTable, problem) => {
    const resource = await getWith(idOf("table", name), { status: { state: "DONE" }, configuration: { query: { destinationTable } } });
    expect(resource.phase).toBe(Phase.FAILED);
    expect(resource.message).toBe(`the job is DONE but its result table cannot be read (${problem})`);
  });

  it("no destination table (DDL, scripts) → SUCCEEDED without outputs; a bad one is fine when no output is wanted", async () => {
    const none = await getWith(idOf("table", "none"), { status: { state: "DONE" } });
    expect(none.phase).toBe(Phase.SUCCEEDED);
    expect(none.outputs).toBeUndefined();
    const unwanted = await getWith(idOf("table", "unwanted"), {
      status: { state: "DONE" },
      configuration: { labels: { flyte_outputs: "none" }, query: { destinationTable: "garbage" } },
    });
    expect(unwanted.phase).toBe(Phase.SUCCEEDED);
    expect(unwanted.outputs).toBeUndefined();
  });

  it("odd statistics and labels are left out; the job still SUCCEEDS with its table", async () => {
    const resource = await getWith(
      idOf("stats", "odd"),
      done({
        statistics: {
          totalBytesProcessed: { bytes: 10 },
          query: { totalSlotMs: "12", cacheHit: "yes", statementType: "SELECT", numDmlAffectedRows: [1], totalBytesProcessed: "not a number" },
        },
        configuration: { labels: ["flyte_outputs"], query: { destinationTable: { projectId: PROJECT, datasetId: "_anon", tableId: "anon1" } } },
      }),
    );
    expect(resource.phase).toBe(Phase.SUCCEEDED);
    expect(resultsUri(resource)).toBe(`bq://${PROJECT}:_anon.anon1`);
    expect(resource.customInfo).toEqual({ state: "DONE", totalSlotMs: "12", statementType: "SELECT" });
  });

  it("statistics of the wrong type altogether are ignored", async () => {
    const resource = await getWith(idOf("stats", "list"), done({ statistics: [1, 2] }));
    expect(resource.phase).toBe(Phase.SUCCEEDED);
    expect(resource.customInfo).toEqual({ state: "DONE" });
  });
});

describe("CreateTask: an odd answer to jobs.insert", () => {
  function createWith(run: string) {
    return client.createTask({
      template: {
        type: "bigquery_query_job_task",
        custom: { ProjectID: PROJECT, Location: "US" } as never,
        interface: { inputs: variables({}), outputs: variables({ results: ty.dataframe }) },
        target: { case: "sql", value: { statement: "SELECT 1 AS one" } },
      },
      outputPrefix: "file:///tmp/out",
      taskExecutionMetadata: executionMetadata(run),
    });
  }

  test.each([
    ["a list", [1, 2], "a list instead of a JSON object"],
    ["a body that is not JSON", { raw: "<html>OK</html>" }, 'a body that is not a JSON object: "<html>OK</html>"'],
    ["a string", "created", 'a body that is not a JSON object: "created"'],
  ])("%s → UNAVAILABLE saying what was wrong, promptly (retryable: the retry's insert gets 409)", async (name, body, problem) => {
    answer("POST", JOBS, body);
    const refused = await statusOf(createWith(idOf("create", name)));
    expect(refused).toEqual({ code: status.UNAVAILABLE, details: `BigQuery gave an unexpected answer to the job insert (${problem})` });
  });

  it("null, or an empty body → UNAVAILABLE, not a hang", async () => {
    answer("POST", JOBS, null);
    expect(await statusOf(createWith("create-null"))).toEqual({
      code: status.UNAVAILABLE,
      details: "BigQuery gave an unexpected answer to the job insert (an empty body)",
    });
    answer("POST", JOBS, { raw: "", json: true });
    expect(await statusOf(createWith("create-empty"))).toEqual({
      code: status.UNAVAILABLE,
      details: "could not create the query job: BigQuery gave an answer that is not JSON",
    });
  });

  it("an answer without jobReference or status is taken: the job was made where the task asked", async () => {
    answer("POST", JOBS, {});
    const { resourceMeta } = await createWith("create-bare");
    expect(metaOf(resourceMeta)).toMatchObject({ project: PROJECT, location: "US" });
    answer("POST", JOBS, { jobReference: { location: 5 }, status: "weird" });
    expect(metaOf((await createWith("create-odd-location")).resourceMeta).location).toBe("US");
    answer("POST", JOBS, { jobReference: { location: "EU" }, status: { state: "DONE", errorResult: { reason: "invalidQuery" } } });
    expect(metaOf((await createWith("create-failed-at-once")).resourceMeta).location).toBe("EU");
  });

  it("a rejection with a huge message → INVALID_ARGUMENT, bounded", async () => {
    answer("POST", JOBS, { error: { code: 400, message: HUGE, errors: [{ reason: "invalid", message: HUGE }] } }, 400);
    const refused = await statusOf(createWith("create-huge-error"));
    expect(refused?.code).toBe(status.INVALID_ARGUMENT);
    expect(refused!.details).toMatch(/^could not create the query job: x+…$/);
    expect(refused!.details.length).toBeLessThan(MESSAGE_BOUND);
  });
});

describe("the server's logs", () => {
  it("show no call above ended as an internal error", () => {
    expect(logs.lines.length).toBeGreaterThan(0);
    const unexpected = logs
      .records()
      .filter((r) => r.code === "internal" || /TypeError|Cannot read properties/.test(String(r.msg)));
    expect(unexpected).toEqual([]);
  });
});
