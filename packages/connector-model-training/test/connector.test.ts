/**
 * The model-training connector through the real gRPC server against the real reference service, over
 * real HTTP. Requests are encoded with the upstream @flyteorg/flyteidl2 encoder. Nothing is mocked.
 *
 * The backend's contract (idempotent create, repeatable get, delete of finished, running and unknown
 * jobs, outages during get, bad config named, meta through bytes, deadlines, no secret leaked) is checked
 * by the testing kit's `connectorConformance`; the tests after it are this connector's own behaviour.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createServer } from "node:net";
import { status } from "@grpc/grpc-js";
import { TaskExecution_Phase as Phase } from "@flyteorg/flyteidl2/flyteidl2/core/execution_pb.ts";
import { ConnectorRegistry } from "@flyte-connectors/runtime";
import { ConnectorServer } from "@flyte-connectors/runtime/server";
import { ModelTrainTask, ModelTrainingConnector } from "../src";
import { startTrainingService, type TrainingService } from "@flyte-connectors/connector-model-training/service";
import {
  LogCapture,
  UpstreamClient,
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

const API_KEY = "mt-key-7hV2pQ9sLw3Z";
const CATEGORY = { name: "external_model_training", version: 0 };
const RETRY = { attemptTimeoutMs: 400, backoffMs: 20, retries: 2, budgetMs: 2000 };

let service: TrainingService;
/** In front of the service for the conformance suite: it can make the service hang. */
let proxy: FaultProxy;
let server: ConnectorServer;
let client: UpstreamClient;
let logs: LogCapture;

beforeAll(async () => {
  service = await startTrainingService({ epochMs: 15, queueMs: 15, apiKey: API_KEY });
  proxy = await startFaultProxy(service.url);
  logs = new LogCapture();
  server = new ConnectorServer({
    registry: new ConnectorRegistry([new ModelTrainingConnector({ retry: RETRY })]),
    logLevel: "debug",
    logDestination: logs,
    processMetrics: false,
  });
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  client = new UpstreamClient(`127.0.0.1:${port}`);
});

afterAll(async () => {
  client.close();
  await server.shutdown({ graceMs: 500 });
  await proxy.close();
  await service.close();
});

const INPUTS = { epochs: 2, dataset_uri: "gs://bucket/train.csv" };

connectorConformance({
  name: "ModelTrainingConnector conformance (reference service)",
  connector: () => new ModelTrainingConnector({ retry: RETRY }),
  task: () => ({ template: new ModelTrainTask("train", `${proxy.url}/train`), inputs: INPUTS }),
  faults: { unavailable: (on) => service.unavailable(on), hang: (on) => proxy.hang(on) },
  badConfigs: [
    { template: new ModelTrainTask("train", ""), inputs: INPUTS, field: "custom.endpoint" },
    { template: new ModelTrainTask("train", "ftp://nope"), inputs: INPUTS, field: "custom.endpoint" },
    { template: new ModelTrainTask("train", "http://127.0.0.1:1/train"), inputs: { ...INPUTS, epochs: 0 }, field: "epochs" },
  ],
  secrets: { api_key: API_KEY },
});

interface CreateOptions {
  run: string;
  retryAttempt?: number;
  epochs?: number;
  custom?: Record<string, unknown>;
  apiKey?: string | null;
  withoutInput?: "epochs" | "dataset_uri";
}

function createTask({ run, retryAttempt = 0, epochs = 2, custom, apiKey = API_KEY, withoutInput }: CreateOptions) {
  const inputs: Record<string, unknown> = { epochs: lit.int(epochs), dataset_uri: lit.str("gs://bucket/train.csv") };
  if (withoutInput) delete inputs[withoutInput];
  return client.createTask({
    template: {
      type: "external_model_training",
      custom: (custom ?? { endpoint: service.endpoint }) as never,
      interface: { inputs: variables({ epochs: ty.int, dataset_uri: ty.str }), outputs: variables({ results: ty.file }) },
    },
    inputs: { literals: namedLiterals(inputs) as never },
    outputPrefix: "file:///tmp/out",
    taskExecutionMetadata: executionMetadata(run, retryAttempt),
    connection: apiKey ? { secrets: { api_key: apiKey } } : undefined,
  });
}

const secrets = { secrets: { api_key: API_KEY } };

function getTask(resourceMeta: Uint8Array, deadlineMs?: number) {
  return client.getTask({ resourceMeta, taskCategory: CATEGORY, connection: secrets }, { deadlineMs });
}

function metaOf(resourceMeta: Uint8Array): { job_id: string; endpoint: string } {
  return JSON.parse(Buffer.from(resourceMeta).toString("utf8"));
}

function pollUntilTerminal(resourceMeta: Uint8Array) {
  return client.pollUntilTerminal({ resourceMeta, taskCategory: CATEGORY, connection: secrets });
}

describe("ModelTrainingConnector over gRPC against the reference service", () => {
  it("runs the whole lifecycle: QUEUED → RUNNING → SUCCEEDED with a results file and a dashboard link", async () => {
    const { resourceMeta } = await createTask({ run: "lifecycle", epochs: 3 });
    const meta = metaOf(resourceMeta);
    // The Python connector's meta shape, exactly.
    expect(Object.keys(meta).sort()).toEqual(["endpoint", "job_id"]);
    expect(meta.endpoint).toBe(service.endpoint);

    const { resource, seen } = await pollUntilTerminal(resourceMeta);
    expect(seen[seen.length - 1]).toBe(Phase.SUCCEEDED);
    expect(seen).toContain(Phase.RUNNING);
    const results = resource.outputs!.literals.find((l) => l.name === "results")!.value!;
    expect(results.value.case).toBe("scalar");
    const blob = results.value.case === "scalar" && results.value.value.value.case === "blob" ? results.value.value.value.value : undefined;
    expect(blob?.uri).toMatch(/^file:\/\//);
    expect(existsSync(fileURLToPath(blob!.uri))).toBe(true);
    expect(resource.logLinks.map((l) => [l.name, l.uri])).toEqual([["Training Dashboard", `${service.endpoint}/${meta.job_id}`]]);
  });

  it("reports progress while running", async () => {
    const slowService = await startTrainingService({ epochMs: 300, queueMs: 1 });
    try {
      const { resourceMeta } = await createTask({ run: "progress", epochs: 5, custom: { endpoint: slowService.endpoint }, apiKey: null });
      let message = "";
      for (let i = 0; i < 100 && !/epoch \d+\/5/.test(message); i++) {
        message = (await client.getTask({ resourceMeta, taskCategory: CATEGORY })).resource!.message;
        await new Promise((r) => setTimeout(r, 30));
      }
      expect(message).toMatch(/^epoch \d+\/5, loss \d+\.\d{4}$/);
      await client.deleteTask({ resourceMeta, taskCategory: CATEGORY });
    } finally {
      await slowService.close();
    }
  });

  it("a 503 burst shorter than the retries is invisible; a longer one is reported as HTTP 503", async () => {
    const { resourceMeta } = await createTask({ run: "burst" });
    service.unavailable(2);
    const short = (await getTask(resourceMeta)).resource!;
    expect([Phase.QUEUED, Phase.RUNNING, Phase.SUCCEEDED]).toContain(short.phase);
    expect(short.message).not.toMatch(/unreachable/);

    service.unavailable(true);
    try {
      const long = (await getTask(resourceMeta)).resource!;
      expect(long.phase).toBe(Phase.RUNNING);
      expect(long.message).toMatch(/training service unreachable \(HTTP 503\)/);
    } finally {
      service.unavailable(false);
    }
    expect((await pollUntilTerminal(resourceMeta)).resource.phase).toBe(Phase.SUCCEEDED);
  });

  it("the service down: get answers RUNNING with a message within the deadline, no gRPC error", async () => {
    const deadPort = await freePort();
    const meta = { job_id: "job-on-a-dead-service", endpoint: `http://127.0.0.1:${deadPort}/train` };
    const started = Date.now();
    const resource = (await getTask(Buffer.from(JSON.stringify(meta)), 10_000)).resource!;
    expect(resource.phase).toBe(Phase.RUNNING);
    expect(resource.message).toMatch(/training service unreachable \(ECONNREFUSED\)/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("retries stop before a short deadline, so get still answers instead of DEADLINE_EXCEEDED", async () => {
    service.unavailable(true);
    try {
      const { resourceMeta } = await createTask({ run: "deadline" }).catch(() => ({ resourceMeta: Buffer.from(JSON.stringify({ job_id: "x", endpoint: service.endpoint })) }));
      const resource = (await getTask(resourceMeta, 1500)).resource!;
      expect(resource.phase).toBe(Phase.RUNNING);
    } finally {
      service.unavailable(false);
    }
  });

  it("an unknown job is FAILED with 'job not found'", async () => {
    const meta = { job_id: "no-such-job", endpoint: service.endpoint };
    const resource = (await getTask(Buffer.from(JSON.stringify(meta)))).resource!;
    expect(resource.phase).toBe(Phase.FAILED);
    expect(resource.message).toBe("job not found: no-such-job");
  });

  it("delete cancels a running job: get then says ABORTED", async () => {
    const slowService = await startTrainingService({ epochMs: 1000, queueMs: 1 });
    try {
      const { resourceMeta } = await createTask({ run: "cancel", epochs: 50, custom: { endpoint: slowService.endpoint }, apiKey: null });
      await client.deleteTask({ resourceMeta, taskCategory: CATEGORY });
      const resource = (await client.getTask({ resourceMeta, taskCategory: CATEGORY })).resource!;
      expect(resource.phase).toBe(Phase.ABORTED);
      expect(resource.message).toBe("the job was cancelled");
    } finally {
      await slowService.close();
    }
  });

  it("a failed training job is FAILED with the service's error", async () => {
    const failing = await startTrainingService({ epochMs: 5, queueMs: 1, failRate: 1 });
    try {
      const { resourceMeta } = await createTask({ run: "fails", custom: { endpoint: failing.endpoint }, apiKey: null });
      const { resource } = await pollUntilTerminal(resourceMeta);
      expect(resource.phase).toBe(Phase.FAILED);
      expect(resource.message).toMatch(/^training failed: .+/);
    } finally {
      await failing.close();
    }
  });

  it("GetTaskLogs streams the job's log lines and a resume token, with a deployment-wide key", async () => {
    const { resourceMeta } = await createTask({ run: "logs", epochs: 2 });
    await pollUntilTerminal(resourceMeta);
    // Log requests carry no connection secrets: without a deployment-wide key the service says no, clearly.
    const refused = await statusOf(client.getTaskLogs({ resourceMeta, taskCategory: CATEGORY }));
    expect(refused).toMatchObject({ code: status.PERMISSION_DENIED, details: expect.stringContaining("FLYTE_SECRET_API_KEY") });
    process.env.FLYTE_SECRET_API_KEY = API_KEY;
    const messages = await client
      .getTaskLogs({ resourceMeta, taskCategory: CATEGORY })
      .finally(() => delete process.env.FLYTE_SECRET_API_KEY);
    const lines = messages.flatMap((m) => (m.part.case === "body" ? m.part.value.lines.map((l) => l.message) : []));
    expect(lines.some((l) => /epoch 1/i.test(l))).toBe(true);
    expect(messages[messages.length - 1].part.case).toBe("header");
  });

  it("a missing input or a meta of the wrong shape is INVALID_ARGUMENT", async () => {
    // Bad custom config and a bad epochs value are conformance checks; a missing input never gets past
    // the kit's own conversion, so it is sent by hand here.
    const noEpochs = await statusOf(createTask({ run: "bad3", withoutInput: "epochs" }));
    expect(noEpochs).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining("epochs") });
    const garbage = await statusOf(client.getTask({ resourceMeta: Buffer.from("{\"job_id\": 1}"), taskCategory: CATEGORY }));
    expect(garbage).toMatchObject({ code: status.INVALID_ARGUMENT });
  });

  it("a wrong or missing API key is PERMISSION_DENIED, and a wrong key appears in no error or log", async () => {
    const wrong = "wrong-key-Pz8Xc4Vb";
    const rejected = await statusOf(createTask({ run: "wrong-key", apiKey: wrong }));
    expect(rejected?.code).toBe(status.PERMISSION_DENIED);
    expect(rejected?.details).not.toContain(wrong);
    const missing = await statusOf(createTask({ run: "no-key", apiKey: null }));
    expect(missing?.code).toBe(status.PERMISSION_DENIED);
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.text).not.toContain(wrong);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
