/**
 * The connector against a training service that breaks its contract. A tiny node:http server answers
 * each method and path with a body the test sets; calls go through the real gRPC server, encoded by the
 * upstream @flyteorg/flyteidl2 encoder, as the backend sends them. Whatever the body, a call answers with
 * a phase and a readable message, or a clear error code — never INTERNAL, never a TypeError's text.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { status } from "@grpc/grpc-js";
import { TaskExecution_Phase as Phase } from "@flyteorg/flyteidl2/flyteidl2/core/execution_pb.ts";
import { ConnectorRegistry } from "@flyte-connectors/runtime";
import { ConnectorServer } from "@flyte-connectors/runtime/server";
import { ModelTrainingConnector } from "../src";
import { LogCapture, UpstreamClient, executionMetadata, lit, namedLiterals, statusOf, ty, variables } from "@flyte-connectors/testing";

const CATEGORY = { name: "external_model_training", version: 0 };
/** Far more than any message may quote. */
const HUGE = "x".repeat(1_000_000);
/** Generous: the point is that a message does not grow with what the service sends. */
const MESSAGE_BOUND = 600;

interface Answer {
  status: number;
  body: string;
  contentType: string;
}

const answers = new Map<string, Answer>();
let odd: Server;
let endpoint: string;
let server: ConnectorServer;
let client: UpstreamClient;
let logs: LogCapture;

/** The next `method path` request gets `body`: a value as JSON, or `{ raw }` as text. */
function answer(method: string, path: string, body: unknown, httpStatus = 200): void {
  const raw = typeof body === "object" && body !== null && "raw" in body ? String((body as { raw: unknown }).raw) : undefined;
  answers.set(`${method} ${path}`, {
    status: httpStatus,
    body: raw ?? JSON.stringify(body),
    contentType: raw === undefined ? "application/json" : "text/html",
  });
}

beforeAll(async () => {
  odd = createServer((req, res) => {
    const found = answers.get(`${req.method} ${new URL(req.url ?? "/", "http://odd.invalid").pathname}`);
    req.resume();
    if (!found) {
      res.writeHead(404, { "Content-Type": "application/json" }).end('{"error":"no answer set for this request"}');
      return;
    }
    if (found.status === 0) return; // a service that never answers
    res.writeHead(found.status, { "Content-Type": found.contentType }).end(found.body);
  });
  await new Promise<void>((resolve) => odd.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(odd.address() as AddressInfo).port}/train`;

  logs = new LogCapture();
  server = new ConnectorServer({
    // The default retry policy: every answer here comes at once, and generous attempt timeouts keep a
    // loaded machine from turning an odd answer into "unreachable (timed out)".
    registry: new ConnectorRegistry([new ModelTrainingConnector()]),
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
  odd.closeAllConnections();
  await new Promise((resolve) => odd.close(resolve));
});

/** A job id (and so a URL path segment) from a test's name. */
const idOf = (prefix: string, name: string) => `${prefix}-${name.replace(/\W+/g, "-")}`;

const metaFor = (jobId: string) => Buffer.from(JSON.stringify({ job_id: jobId, endpoint }));

/** GetTask of job `jobId` whose `GET` answers `body`; fails the test on any gRPC error. */
async function getWith(jobId: string, body: unknown, httpStatus = 200) {
  answer("GET", `/train/${jobId}`, body, httpStatus);
  const resource = (await client.getTask({ resourceMeta: metaFor(jobId), taskCategory: CATEGORY })).resource!;
  expect(resource.message.length).toBeLessThan(MESSAGE_BOUND);
  return resource;
}

function createWith(run: string) {
  return client.createTask({
    template: {
      type: "external_model_training",
      custom: { endpoint } as never,
      interface: { inputs: variables({ epochs: ty.int, dataset_uri: ty.str }), outputs: variables({ results: ty.file }) },
    },
    inputs: { literals: namedLiterals({ epochs: lit.int(2), dataset_uri: lit.str("gs://bucket/train.csv") }) as never },
    outputPrefix: "file:///tmp/out",
    taskExecutionMetadata: executionMetadata(run),
  });
}

describe("GetTask: progress is informational and never fails a poll", () => {
  test.each([
    ["the contract's shape", { epoch: 2, epochs: 5, loss: 0.48213 }, "epoch 2/5, loss 0.4821", { epoch: 2, epochs: 5, loss: 0.48213 }],
    ["an empty object", {}, "running", undefined],
    ["only an epoch", { epoch: 3 }, "epoch 3", { epoch: 3 }],
    ["a text", "50%", "progress 50%", { text: "50%" }],
    ["numbers as strings", { epoch: "2", epochs: "5", loss: "0.5" }, "epoch 2/5, loss 0.5000", { epoch: 2, epochs: 5, loss: 0.5 }],
    ["a list", [1, 2, 3], "running", undefined],
    ["a loss that is not a number", { epoch: 1, epochs: 3, loss: "NaN" }, "epoch 1/3", { epoch: 1, epochs: 3 }],
    ["null fields", { epoch: null, epochs: null, loss: null }, "running", undefined],
    ["null", null, "running", undefined],
    ["a number", 7, "running", undefined],
    ["a huge text", HUGE, expect.stringMatching(/^progress x+…$/), expect.anything()],
  ])("%s → RUNNING with what is usable", async (_name, progress, message, info) => {
    const jobId = idOf("progress", _name);
    const resource = await getWith(jobId, { job_id: jobId, status: "running", progress });
    expect(resource.phase).toBe(Phase.RUNNING);
    expect(resource.message).toEqual(message);
    if (info === undefined) expect(resource.customInfo?.progress).toBeUndefined();
    else expect(resource.customInfo?.progress).toEqual(info);
  });
});

describe("GetTask: a job view of the wrong shape", () => {
  test.each([
    ["a body that is not JSON", { raw: "<html><body>502 Bad Gateway</body></html>" }, /a body that is not a JSON object: "<html><body>502 Bad Gateway/],
    ["an empty body", { raw: "" }, /an empty body/],
    ["null", null, /null instead of a JSON object/],
    ["a list", [{ status: "running" }], /a list instead of a JSON object/],
    ["a huge non-JSON body", { raw: HUGE }, /a body that is not a JSON object: "x+…"/],
    ["no status", { job_id: "j" }, /status must be a string, not missing/],
    ["a numeric status", { status: 3 }, /status must be a string, not a number/],
    ["an object as status", { status: { name: "running" } }, /status must be a string, not an object/],
  ])("%s → RUNNING 'unexpected answer; will check again'", async (name, body, problem) => {
    const resource = await getWith(idOf("shape", name), body);
    expect(resource.phase).toBe(Phase.RUNNING);
    expect(resource.message).toMatch(/^the training service gave an unexpected answer \(HTTP 200: .+\); will check again$/);
    expect(resource.message).toMatch(problem);
    // The dashboard link is still there for a human to look.
    expect(resource.logLinks.map((l) => l.name)).toEqual(["Training Dashboard"]);
  });

  it("an unknown status → RUNNING naming it, bounded", async () => {
    expect((await getWith("status-new", { status: "paused" })).message).toBe('unrecognised status "paused"; will check again');
    const huge = await getWith("status-huge", { status: HUGE });
    expect(huge.phase).toBe(Phase.RUNNING);
    expect(huge.message).toMatch(/^unrecognised status "x+…"; will check again$/);
  });
});

describe("GetTask: a failed or finished job with odd fields", () => {
  test.each([
    ["a string", "CUDA out of memory", "training failed: CUDA out of memory"],
    ["an error object", { code: "OOM", message: "out of memory" }, "training failed: OOM: out of memory"],
    ["an error object with a reason", { reason: "quota", message: "GPU quota exceeded", code: 429 }, "training failed: quota: GPU quota exceeded"],
    ["an object without a message", { detail: "bad shard" }, 'training failed: {"detail":"bad shard"}'],
    ["a number", 137, "training failed: 137"],
    ["absent", undefined, "training failed"],
    ["null", null, "training failed"],
  ])("error as %s → FAILED with readable text", async (name, error, message) => {
    const resource = await getWith(idOf("failed", name), { status: "failed", error });
    expect(resource.phase).toBe(Phase.FAILED);
    expect(resource.message).toBe(message);
    expect(resource.message).not.toContain("[object Object]");
  });

  it("a huge error is cut with an ellipsis", async () => {
    const resource = await getWith("failed-huge", { status: "failed", error: HUGE });
    expect(resource.phase).toBe(Phase.FAILED);
    expect(resource.message).toMatch(/^training failed: x+…$/);
  });

  test.each([
    ["absent", undefined],
    ["a number", 5],
    ["an object", { uri: "file:///m" }],
    ["empty", ""],
  ])("finished with results %s → FAILED: there is no output to give", async (name, results) => {
    const resource = await getWith(idOf("finished", name), { status: "finished", results });
    expect(resource.phase).toBe(Phase.FAILED);
    expect(resource.message).toBe("the job finished without a results URI");
  });

  it("an HTTP error with an error object, or an HTML page, is FAILED with readable details", async () => {
    const gone = await getWith("gone", { error: { message: "job expired" } }, 410);
    expect(gone).toMatchObject({ phase: Phase.FAILED, message: "the training service answered HTTP 410: job expired" });
    const html = await getWith("teapot", { raw: "<h1>I'm a teapot</h1>" }, 418);
    expect(html.phase).toBe(Phase.FAILED);
    expect(html.message).toBe('the training service answered HTTP 418: a body that is not a JSON object: "<h1>I\'m a teapot</h1>"');
    const huge = await getWith("huge-error-body", { error: HUGE }, 422);
    expect(huge.message).toMatch(/^the training service answered HTTP 422: x+…$/);
  });
});

describe("CreateTask: an odd answer to the job request", () => {
  test.each([
    ["an empty object", {}, "job_id must be a string, not missing"],
    ["a numeric job_id", { job_id: 42 }, "job_id must be a string, not a number"],
    ["an empty job_id", { job_id: "" }, "job_id must not be empty"],
    ["a huge job_id", { job_id: HUGE }, "job_id is longer than 1024 characters"],
    ["null", null, "null instead of a JSON object"],
    ["a body that is not JSON", { raw: "OK" }, 'a body that is not a JSON object: "OK"'],
  ])("%s → UNAVAILABLE saying what was wrong (retryable: the idempotency key finds the job)", async (name, body, problem) => {
    answer("POST", "/train", body, 201);
    const refused = await statusOf(createWith(idOf("create", name)));
    expect(refused).toEqual({
      code: status.UNAVAILABLE,
      details: `the training service gave an unexpected answer to the job request (HTTP 201: ${problem})`,
    });
  });

  it("a rejection with an error object names it instead of [object Object]", async () => {
    answer("POST", "/train", { error: { code: "invalid_dataset", message: "gs://bucket/train.csv is empty" } }, 400);
    expect(await statusOf(createWith("create-rejected"))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: "the training service rejected the job: invalid_dataset: gs://bucket/train.csv is empty",
    });
    answer("POST", "/train", { error: HUGE }, 422);
    const huge = await statusOf(createWith("create-rejected-huge"));
    expect(huge?.code).toBe(status.INVALID_ARGUMENT);
    expect(huge!.details.length).toBeLessThan(MESSAGE_BOUND);
  });
});

describe("GetTaskLogs: an odd logs page", () => {
  async function logsOf(jobId: string, page: unknown) {
    answer("GET", `/train/${jobId}/logs`, page);
    return client.getTaskLogs({ resourceMeta: metaFor(jobId), taskCategory: CATEGORY });
  }

  it("usable lines pass, lines without a text message are skipped, bad timestamps are left out", async () => {
    const messages = await logsOf("logs-mixed", {
      lines: [
        { timestamp: "2026-01-05T10:00:00.000Z", message: "job started" },
        { timestamp: "yesterday", message: "epoch 1/2 loss=0.9" },
        { timestamp: "2026-01-05T10:00:02.000Z", message: { text: "not a string" } },
        "a bare string line",
        42,
        { message: HUGE },
      ],
      next_token: "",
    });
    const body = messages.flatMap((m) => (m.part.case === "body" ? m.part.value.lines : []));
    expect(body.map((l) => l.message.slice(0, 20))).toEqual(["job started", "epoch 1/2 loss=0.9", "a bare string line", "x".repeat(20)]);
    expect(body[0].timestamp?.seconds).toBe(BigInt(Date.parse("2026-01-05T10:00:00.000Z") / 1000));
    expect(body[1].timestamp).toBeUndefined();
    expect(body[3].message.length).toBe(16 * 1024);
    expect(body[3].message.endsWith("…")).toBe(true);
    expect(messages[messages.length - 1].part.case).toBe("header");
  });

  test.each([
    ["lines that are not a list", { lines: "job started", next_token: "" }, "lines must be a list, not a string"],
    ["a next_token that is an object", { lines: [], next_token: { page: 2 } }, "next_token must be a string, not an object"],
    ["null", null, "null instead of a JSON object"],
    ["a body that is not JSON", { raw: "<html>" }, 'a body that is not a JSON object: "<html>"'],
  ])("%s → UNAVAILABLE naming the problem", async (name, page, problem) => {
    const refused = await statusOf(logsOf(idOf("logs", name), page));
    expect(refused).toEqual({ code: status.UNAVAILABLE, details: `the training service gave an unexpected logs page (${problem})` });
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

describe("GetTask: a service that never answers", () => {
  it("answers RUNNING before the call's deadline (the runtime's beforeDeadline), not DEADLINE_EXCEEDED", async () => {
    const jobId = "never-answers";
    answer("GET", `/train/${jobId}`, "", 0);
    const resource = (
      await client.getTask({ resourceMeta: metaFor(jobId), taskCategory: CATEGORY }, { deadlineMs: 2000 })
    ).resource!;
    expect(resource.phase).toBe(Phase.RUNNING);
    expect(resource.message).toBe("training service unreachable (no answer in time); will check again");
  });
});
