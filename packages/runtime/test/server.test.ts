/**
 * The gRPC server, started on port 0 and driven by a client whose messages the upstream protobuf-es
 * encoder builds. Nothing is mocked.
 */
import { TaskExecution_Phase as Phase } from "@flyteorg/flyteidl2/flyteidl2/core/execution_pb.ts";
import { ConnectorRegistry } from "@flyte-connectors/runtime";
import { ConnectorServer } from "@flyte-connectors/runtime/server";
import { MinimalConnector, TestConnector } from "./fixtures/test-connector";
import { LogCapture, category, createRequest, meta, status } from "./support/requests";
import { UpstreamClient, statusOf } from "@flyte-connectors/testing";

let connector: TestConnector;
let server: ConnectorServer;
let client: UpstreamClient;
let logs: LogCapture;
let metricsUrl: string;

beforeAll(async () => {
  connector = new TestConnector();
  logs = new LogCapture();
  server = new ConnectorServer({
    registry: new ConnectorRegistry([connector, new TestConnector("test_task", 3), new MinimalConnector()]),
    logLevel: "debug",
    logDestination: logs,
    processMetrics: false,
  });
  const { port, metricsPort } = await server.listen({ host: "127.0.0.1", port: 0, metricsPort: 0 });
  metricsUrl = `http://127.0.0.1:${metricsPort}`;
  client = new UpstreamClient(`127.0.0.1:${port}`);
});

afterAll(async () => {
  client.close();
  await server.shutdown({ graceMs: 1000 });
});

async function createJob(options: Parameters<typeof createRequest>[0] = {}) {
  const response = await client.createTask(createRequest(options));
  return response.resourceMeta;
}

describe("AsyncConnectorService", () => {
  it("runs a job through create → get (QUEUED, RUNNING, SUCCEEDED with outputs) → delete", async () => {
    const resourceMeta = await createJob({ run: "lifecycle", x: 21n });
    expect(JSON.parse(Buffer.from(resourceMeta).toString())).toEqual({ job_id: expect.stringMatching(/^job-/) });

    const phases: Phase[] = [];
    let last;
    for (let i = 0; i < 3; i++) {
      last = (await client.getTask({ resourceMeta, taskCategory: category() })).resource!;
      phases.push(last.phase);
    }
    expect(phases).toEqual([Phase.QUEUED, Phase.RUNNING, Phase.SUCCEEDED]);
    const outputs = Object.fromEntries(last!.outputs!.literals.map((l) => [l.name, l.value]));
    // The input (21, an INTEGER literal) reached the connector as a number and came back doubled.
    expect(outputs.doubled?.value).toMatchObject({
      case: "scalar",
      value: { value: { case: "primitive", value: { value: { case: "integer", value: 42n } } } },
    });
    expect(outputs.model?.value).toMatchObject({ case: "scalar", value: { value: { case: "blob" } } });
    expect(last!.logLinks.map((l) => [l.name, l.uri, l.ready])).toEqual([
      ["dashboard", expect.stringContaining("http://dashboard/job-"), true],
    ]);
    expect(last!.customInfo).toEqual({ polls: 3, big: (2n ** 60n).toString() });

    await client.deleteTask({ resourceMeta, taskCategory: category() });
    const jobId = JSON.parse(Buffer.from(resourceMeta).toString()).job_id;
    expect(connector.jobs.get(jobId)?.deleted).toBe(1);
  });

  it("create is idempotent per attempt: same execution id → same job; next retry → a new job", async () => {
    const first = await createJob({ run: "idem", retryAttempt: 0 });
    const again = await createJob({ run: "idem", retryAttempt: 0 });
    const retry = await createJob({ run: "idem", retryAttempt: 1 });
    expect(Buffer.from(again).toString()).toBe(Buffer.from(first).toString());
    expect(Buffer.from(retry).toString()).not.toBe(Buffer.from(first).toString());
  });

  it("create without an execution id gets a fresh random key each time", async () => {
    const a = await createJob({ withExecutionId: false });
    const b = await createJob({ withExecutionId: false });
    expect(Buffer.from(a).toString()).not.toBe(Buffer.from(b).toString());
  });

  it("get and delete are safe to repeat, and delete of an unknown job succeeds", async () => {
    const resourceMeta = await createJob({ run: "repeat", custom: { phases: ["RUNNING"] } });
    const a = await client.getTask({ resourceMeta, taskCategory: category() });
    const b = await client.getTask({ resourceMeta, taskCategory: category() });
    expect([a.resource?.phase, b.resource?.phase]).toEqual([Phase.RUNNING, Phase.RUNNING]);
    await client.deleteTask({ resourceMeta, taskCategory: category() });
    await client.deleteTask({ resourceMeta, taskCategory: category() });
    await expect(client.deleteTask({ resourceMeta: meta({ job_id: "never-existed" }), taskCategory: category() })).resolves.toBeDefined();
  });

  it("routes by task type version", async () => {
    const v3 = await client.createTask(createRequest({ version: 3, run: "v3" }));
    expect(v3.resourceMeta.length).toBeGreaterThan(0);
    expect(await statusOf(client.createTask(createRequest({ version: 7 })))).toMatchObject({ code: status.NOT_FOUND });
  });

  it("GetTaskMetrics returns the connector's series", async () => {
    const response = await client.getTaskMetrics({
      resourceMeta: meta({ job_id: "j1" }),
      taskCategory: category(),
      queries: ["cpu", "memory"],
    });
    expect(response.results.map((r) => [r.metric, r.data])).toEqual([
      ["cpu", { job: "j1", values: [1, 2, 3] }],
      ["memory", { job: "j1", values: [1, 2, 3] }],
    ]);
  });

  it("GetTaskLogs streams a header with the token, then body parts with lines", async () => {
    const messages = await client.getTaskLogs({ resourceMeta: meta({ job_id: "j9" }), taskCategory: category(), token: "t0", lines: 10n });
    expect(messages.map((m) => m.part.case)).toEqual(["header", "body", "body"]);
    expect(messages[0].part.value).toMatchObject({ token: "t0-next" });
    const bodies = messages.slice(1).map((m) => (m.part.case === "body" ? m.part.value : undefined));
    expect(bodies[0]?.lines.map((l) => l.message)).toEqual(["j9 line 1", "j9 line 2"]);
    expect(bodies[0]?.results).toEqual(["j9 line 1", "j9 line 2"]);
    expect(bodies[1]?.lines[0].timestamp).toMatchObject({ seconds: BigInt(Date.parse("2026-01-02T03:04:05Z") / 1000), nanos: 678_000_000 });
  });

  it("a method the connector lacks answers UNIMPLEMENTED, for unary and streaming calls", async () => {
    const minimal = { resourceMeta: meta({ job_id: "m-1" }), taskCategory: category("minimal_task") };
    expect(await statusOf(client.getTaskMetrics({ ...minimal, queries: ["x"] }))).toMatchObject({ code: status.UNIMPLEMENTED });
    expect(await statusOf(client.getTaskLogs(minimal))).toMatchObject({ code: status.UNIMPLEMENTED });
  });
});

describe("ConnectorMetadataService", () => {
  it("ListConnectors groups task types by connector name", async () => {
    const response = await client.listConnectors();
    const byName = Object.fromEntries(
      response.connectors.map((c) => [c.name, c.supportedTaskCategories.map((t) => `${t.name}@${t.version}`)]),
    );
    expect(byName).toEqual({ "Test Connector": ["test_task@0", "test_task@3"], "Minimal Connector": ["minimal_task@0"] });
  });

  it("GetConnector finds a connector by name, NOT_FOUND otherwise", async () => {
    const found = await client.getConnector("Minimal Connector");
    expect(found.connector?.supportedTaskCategories.map((t) => t.name)).toEqual(["minimal_task"]);
    expect(await statusOf(client.getConnector("Nope"))).toMatchObject({ code: status.NOT_FOUND });
  });
});

describe("errors map to gRPC statuses and the server keeps serving", () => {
  const cases: Array<[string, () => Promise<unknown>, number, RegExp]> = [
    ["unknown task type", () => client.createTask(createRequest({ taskType: "no_such_type" })), status.NOT_FOUND, /no connector for task type "no_such_type"/],
    ["missing template", () => client.createTask({}), status.INVALID_ARGUMENT, /needs a template/],
    ["bad config (ConnectorError.badRequest)", () => client.createTask(createRequest({ custom: { behavior: "bad_config" } })), status.INVALID_ARGUMENT, /custom.endpoint is required/],
    ["unavailable", () => client.createTask(createRequest({ custom: { behavior: "unavailable" } })), status.UNAVAILABLE, /down/],
    ["not found", () => client.createTask(createRequest({ custom: { behavior: "not_found" } })), status.NOT_FOUND, /dataset not found/],
    ["a plain Error → INTERNAL, first line only", () => client.createTask(createRequest({ custom: { behavior: "plain_error" } })), status.INTERNAL, /^internal error: boom: something broke$/],
    ["garbage resource_meta", () => client.getTask({ resourceMeta: new Uint8Array([0xff, 0x00, 0x13]), taskCategory: category() }), status.INVALID_ARGUMENT, /resource_meta is not valid UTF-8 JSON/],
    ["resource_meta missing a field", () => client.getTask({ resourceMeta: meta({ other: 1 }), taskCategory: category() }), status.INVALID_ARGUMENT, /missing "job_id"/],
    ["resource_meta not an object", () => client.deleteTask({ resourceMeta: meta([1, 2]), taskCategory: category() }), status.INVALID_ARGUMENT, /JSON object/],
    ["empty resource_meta", () => client.getTask({ taskCategory: category() }), status.INVALID_ARGUMENT, /resource_meta is empty/],
    ["no task category", () => client.getTask({ resourceMeta: meta({ job_id: "x" }) }), status.INVALID_ARGUMENT, /no task_category/],
    ["a phase of UNDEFINED is never sent", () => client.getTask({ resourceMeta: meta({ job_id: "undefined-phase" }), taskCategory: category() }), status.INTERNAL, /invalid phase/],
    ["get throwing a plain Error", () => client.getTask({ resourceMeta: meta({ job_id: "throws" }), taskCategory: category() }), status.INTERNAL, /get exploded/],
  ];

  for (const [name, call, code, details] of cases) {
    it(name, async () => {
      const result = await statusOf(call());
      expect(result?.code).toBe(code);
      expect(result?.details).toMatch(details);
      // Still serving.
      expect((await client.listConnectors()).connectors.length).toBe(2);
    });
  }

  it("wrong input types are INVALID_ARGUMENT naming the input", async () => {
    const request = createRequest();
    request.inputs = {
      literals: [{ name: "x", value: { value: { case: "scalar", value: { value: { case: "primitive", value: { value: { case: "stringValue", value: "nope" } } } } } } }],
    };
    const result = await statusOf(client.createTask(request));
    expect(result?.code).toBe(status.INVALID_ARGUMENT);
    expect(result?.details).toMatch(/\bx\b/);
  });

  it("offloaded input literals are INVALID_ARGUMENT naming the input", async () => {
    const request = createRequest();
    request.inputs = { literals: [{ name: "x", value: { value: { case: "offloadedMetadata", value: { uri: "s3://big/x.pb", sizeBytes: 10n } } } }] };
    const result = await statusOf(client.createTask(request));
    expect(result?.code).toBe(status.INVALID_ARGUMENT);
    expect(result?.details).toMatch(/\bx\b.*offloaded|offloaded.*\bx\b/);
  });

  it("malformed request bytes are INVALID_ARGUMENT, not INTERNAL", async () => {
    const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]); // field 1, absurd length
    for (const method of ["createTask", "getTask", "deleteTask", "getTaskMetrics"] as const) {
      const result = await statusOf(client.sendRaw(method, garbage));
      expect(result?.code).toBe(status.INVALID_ARGUMENT);
      expect(result?.details).toMatch(/malformed request/);
    }
    expect((await client.listConnectors()).connectors.length).toBe(2);
  });
});

describe("deadlines and cancellation reach the connector's AbortSignal", () => {
  it("a deadline aborts the connector's work and answers DEADLINE_EXCEEDED", async () => {
    const before = connector.aborted.length;
    const result = await statusOf(client.createTask(createRequest({ run: "deadline", custom: { behavior: "hang" } }), { deadlineMs: 300 }));
    expect(result?.code).toBe(status.DEADLINE_EXCEEDED);
    await waitFor(() => connector.aborted.length > before);
    expect(connector.aborted.slice(before)).toEqual(["TimeoutError"]);
  });

  it("a client cancel aborts the connector's work", async () => {
    const before = connector.aborted.length;
    const controller = new AbortController();
    const pending = statusOf(client.createTask(createRequest({ run: "cancel", custom: { behavior: "hang" } }), { signal: controller.signal }));
    await waitFor(() => server.inFlight > 0);
    controller.abort();
    expect((await pending)?.code).toBe(status.CANCELLED);
    await waitFor(() => connector.aborted.length > before);
    expect(connector.aborted.slice(before)).toEqual(["AbortError"]);
  });
});

describe("secrets never appear in logs or error messages", () => {
  const SECRET = "sk-live-Zx9Qw81mN0pL";

  it("scrubs a secret the connector logged and put in its error", async () => {
    const result = await statusOf(client.createTask(createRequest({ run: "secret", custom: { behavior: "leak_secret" }, secrets: { api_key: SECRET } })));
    expect(result?.code).toBe(status.PERMISSION_DENIED);
    expect(result?.details).toContain("[REDACTED]");
    expect(result?.details).not.toContain(SECRET);
    // The connector did log lines about the key; they are there, without it.
    expect(logs.text).toContain("authenticating with [REDACTED]");
    expect(logs.text).toContain("Bearer [REDACTED]");
    expect(logs.text).not.toContain(SECRET);
  });

  it("a secret from the environment is scrubbed too", async () => {
    const envSecret = "env-secret-Qq7Tt3Uu";
    process.env.FLYTE_SECRET_API_KEY = envSecret;
    try {
      const result = await statusOf(client.createTask(createRequest({ run: "env-secret", custom: { behavior: "leak_secret" } })));
      expect(result?.code).toBe(status.PERMISSION_DENIED);
      expect(result?.details).not.toContain(envSecret);
      expect(logs.text).not.toContain(envSecret);
    } finally {
      delete process.env.FLYTE_SECRET_API_KEY;
    }
  });
});

describe("logs and metrics", () => {
  it("one child logger per call, bound to task type, operation and job id", async () => {
    const resourceMeta = await createJob({ run: "logged" });
    const jobId = JSON.parse(Buffer.from(resourceMeta).toString()).job_id;
    await client.getTask({ resourceMeta, taskCategory: category() });
    const records = logs.records().filter((r) => r.jobId === jobId);
    expect(records.map((r) => [r.taskType, r.operation, r.msg])).toEqual(
      expect.arrayContaining([
        ["test_task", "create", "created"],
        ["test_task", "get", "polled"],
      ]),
    );
  });

  it("/metrics shows the Python SDK's metric names with task type, operation and error code", async () => {
    await createJob({ run: "metrics" });
    await statusOf(client.createTask(createRequest({ custom: { behavior: "bad_config" } })));
    await statusOf(client.createTask(createRequest({ taskType: "garbage-type-123" })));
    const text = await (await fetch(`${metricsUrl}/metrics`)).text();
    expect(text).toMatch(/flyte_connector_requests_success_total\{task_type="test_task",operation="create"\} \d+/);
    expect(text).toMatch(/flyte_connector_requests_failure_total\{task_type="test_task",operation="create",error_code="bad_request"\} \d+/);
    // An unknown task type does not become a label value.
    expect(text).toMatch(/flyte_connector_requests_failure_total\{task_type="unknown",operation="create",error_code="not_found"\} \d+/);
    expect(text).not.toContain("garbage-type-123");
    expect(text).toMatch(/flyte_connector_request_latency_seconds_bucket\{le="[^"]+",task_type="test_task",operation="get"\}/);
    const count = text.match(/flyte_connector_input_literal_bytes_count\{task_type="test_task"\} (\d+)/)?.[1];
    expect(Number(count)).toBeGreaterThan(0);
    // Buckets are cumulative and end in +Inf = count, as a Prometheus histogram's must.
    const buckets = [...text.matchAll(/flyte_connector_input_literal_bytes_bucket\{le="([^"]+)",task_type="test_task"\} (\d+)/g)];
    expect(buckets.map((b) => b[1])).toEqual(["64", "256", "1024", "4096", "16384", "65536", "262144", "1048576", "4194304", "+Inf"]);
    const values = buckets.map((b) => Number(b[2]));
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(values.at(-1)).toBe(Number(count));
    expect(text).toMatch(/^# TYPE flyte_connector_input_literal_bytes histogram$/m);
    expect(text).not.toContain("sk-live");
  });

  it("/healthz and /readyz answer while serving; unknown paths 404", async () => {
    expect((await fetch(`${metricsUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${metricsUrl}/readyz`)).status).toBe(200);
    expect((await fetch(`${metricsUrl}/nope`)).status).toBe(404);
  });
});

describe("load", () => {
  it("answers 500 concurrent calls of mixed kinds", async () => {
    const calls = Array.from({ length: 500 }, (_, i) => {
      switch (i % 4) {
        case 0:
          return client.createTask(createRequest({ run: `load-${i}` })).then((r) => r.resourceMeta.length > 0);
        case 1:
          return client.getTask({ resourceMeta: meta({ job_id: `unknown-${i}` }), taskCategory: category() }).then((r) => r.resource?.phase === Phase.FAILED);
        case 2:
          return client.deleteTask({ resourceMeta: meta({ job_id: `unknown-${i}` }), taskCategory: category() }).then(() => true);
        default:
          return client.listConnectors().then((r) => r.connectors.length === 2);
      }
    });
    const results = await Promise.all(calls);
    expect(results.filter(Boolean)).toHaveLength(500);
  });
});

async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
