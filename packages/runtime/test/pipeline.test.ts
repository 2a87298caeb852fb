/**
 * One call pipeline under both adapters: the same table of calls, each encoded by the upstream encoder,
 * goes through the in-process executor backend and through a real gRPC server (with the executor's gRPC
 * backend as client). Every row must come out the same on both paths — "works locally, works served".
 */
import { create, toBinary } from "@bufbuild/protobuf";
import {
  CreateTaskRequestSchema,
  DeleteTaskRequestSchema,
  GetTaskRequestSchema,
} from "@flyteorg/flyteidl2/flyteidl2/connector/connector_pb.ts";
import pino from "pino";
import {
  AsyncConnector,
  ConfigurationError,
  ConnectorError,
  ConnectorRegistry,
  FlyteFile,
  TaskExecutionPhase as Phase,
  jsonMeta,
  type CallContext,
  type CreateContext,
  type Resource,
} from "@flyte-connectors/runtime";
import { ConnectorServer } from "@flyte-connectors/runtime/server";
import { CreateTaskRequest, DeleteTaskRequest, GetTaskRequest } from "@flyte-connectors/runtime/wire";
import type { ExecutionBackend } from "../src/executor/backend";
import { GrpcBackend } from "../src/executor/grpc-backend";
import { InProcessBackend } from "../src/executor/in-process-backend";
import { createRequest, meta, type CreateOptions } from "./support/requests";

const SECRET = "s3cret-value-42";

/** Each job id picks what `get` does. */
class TableConnector extends AsyncConnector<{ job_id: string }> {
  readonly name = "Table Connector";
  readonly taskTypeName = "table";
  readonly metadata = jsonMeta<{ job_id: string }>(["job_id"]);

  async create({ inputs, idempotencyKey }: CreateContext): Promise<{ job_id: string }> {
    return { job_id: `job-${String(inputs.x)}-${idempotencyKey.slice(0, 8)}` };
  }

  // Not async: a connector written in plain JavaScript may answer without a promise, or throw before it
  // returns one.
  get(meta: { job_id: string }, ctx: CallContext): Promise<Resource> {
    if (meta.job_id === "sync-answer")
      return { phase: Phase.RUNNING, message: "no promise" } as unknown as Promise<Resource>;
    if (meta.job_id === "sync-throw") throw ConnectorError.unavailable("thrown before any promise");
    return this.#get(meta, ctx);
  }

  async #get({ job_id }: { job_id: string }, ctx: CallContext): Promise<Resource> {
    switch (job_id) {
      case "ok":
        return {
          phase: Phase.SUCCEEDED,
          message: "done",
          outputs: { results: new FlyteFile("s3://bucket/out.bin") },
          logLinks: [{ name: "console", uri: "https://console/ok", kind: "dashboard" }],
          customInfo: { rows: 3n, when: new Date(0) },
        };
      case "type-error":
        return {
          phase: Phase.RUNNING,
          message: (undefined as unknown as { loss: { toFixed(): string } }).loss.toFixed(),
        };
      case "leak":
        return { phase: Phase.RUNNING, message: `using ${ctx.secrets.require("api_key")}` };
      case "leak-error":
        throw ConnectorError.unavailable(`service refused key ${ctx.secrets.require("api_key")}`);
      case "undefined-phase":
        return { phase: Phase.UNDEFINED };
      case "configs":
        return { phase: Phase.RUNNING, message: JSON.stringify(ctx.configs) };
      case "config-error":
        throw new ConfigurationError("the connector was deployed without a region");
      case "huge-message":
        return { phase: Phase.FAILED, message: "x".repeat(1 << 20) };
      case "ignores-signal":
        return new Promise<Resource>(() => {}); // never settles and never looks at ctx.signal
      case "missing-secret":
        ctx.secrets.require("token_that_is_not_there");
        return { phase: Phase.RUNNING };
      default:
        return { phase: Phase.RUNNING, message: `job ${job_id}` };
    }
  }

  async delete(): Promise<void> {}
}

const category = { name: "table", version: 0 };
const connection = { secrets: { api_key: SECRET }, configs: { region: "eu-west-1" } };

function createWire(options: CreateOptions = {}): CreateTaskRequest {
  const init = createRequest({ taskType: "table", ...options });
  return CreateTaskRequest.decode(toBinary(CreateTaskRequestSchema, create(CreateTaskRequestSchema, init)));
}

/** A create whose input `x` (declared an integer) holds a string. */
function createWireWithStringX(value: string): CreateTaskRequest {
  const init = createRequest({ taskType: "table" });
  init.inputs = {
    literals: [
      {
        name: "x",
        value: {
          value: {
            case: "scalar",
            value: { value: { case: "primitive", value: { value: { case: "stringValue", value } } } },
          },
        },
      },
    ],
  };
  return CreateTaskRequest.decode(toBinary(CreateTaskRequestSchema, create(CreateTaskRequestSchema, init)));
}

function getWire(resourceMeta: Uint8Array, taskType = "table"): GetTaskRequest {
  const init = {
    resourceMeta,
    taskCategory: { name: taskType, version: 0 },
    outputPrefix: "file:///tmp/o",
    connection,
  };
  return GetTaskRequest.decode(toBinary(GetTaskRequestSchema, create(GetTaskRequestSchema, init)));
}

function deleteWire(resourceMeta: Uint8Array): DeleteTaskRequest {
  const init = { resourceMeta, taskCategory: category, connection };
  return DeleteTaskRequest.decode(toBinary(DeleteTaskRequestSchema, create(DeleteTaskRequestSchema, init)));
}

type Outcome = { ok: unknown } | { code: string; message: string };

interface Row {
  name: string;
  call: (backend: ExecutionBackend, deadline: number) => Promise<unknown>;
  /** What both paths must give; checked after the two were compared with each other. */
  expect: (outcome: Outcome) => void;
  /** Compare only the error code: the two transports word a deadline differently. */
  codeOnly?: boolean;
  deadlineMs?: number;
}

const rows: Row[] = [
  {
    name: "create: the same attempt gives the same meta bytes",
    call: async (b, deadline) =>
      Buffer.from(await b.create(createWire({ x: 7n, run: "r1" }), { deadline })).toString(),
    expect: (o) => expect(o).toEqual({ ok: expect.stringMatching(/^\{"job_id":"job-7-[0-9a-f]{8}"\}$/) }),
  },
  {
    name: "create: a wrong input type is bad_request naming the input",
    call: (b, deadline) => b.create(createWireWithStringX("seven"), { deadline }),
    expect: (o) =>
      expect(o).toMatchObject({ code: "bad_request", message: expect.stringMatching(/^inputs\.x: /) }),
  },
  {
    name: "create: a template without a task type is bad_request",
    call: (b, deadline) =>
      b.create({ ...createWire(), template: { ...createWire().template!, type: "" } }, { deadline }),
    expect: (o) => expect(o).toEqual({ code: "bad_request", message: "the template has no task type" }),
  },
  {
    name: "get: outputs, links and custom info",
    call: (b, deadline) => b.get(getWire(meta({ job_id: "ok" })), { deadline }),
    expect: (o) =>
      expect(o).toMatchObject({
        ok: {
          phase: Phase.SUCCEEDED,
          message: "done",
          logLinks: [{ name: "console", uri: "https://console/ok", ready: true }],
          customInfo: { rows: "3", when: "1970-01-01T00:00:00.000Z" },
        },
      }),
  },
  {
    name: "get: a TypeError in the connector is internal with its first line",
    call: (b, deadline) => b.get(getWire(meta({ job_id: "type-error" })), { deadline }),
    expect: (o) =>
      expect(o).toEqual({
        code: "internal",
        message: expect.stringMatching(/^internal error: Cannot read properties of undefined/),
      }),
  },
  {
    name: "get: a secret in the phase message is scrubbed",
    call: (b, deadline) => b.get(getWire(meta({ job_id: "leak" })), { deadline }),
    expect: (o) => expect(o).toMatchObject({ ok: { phase: Phase.RUNNING, message: "using [REDACTED]" } }),
  },
  {
    name: "get: a secret in an error message is scrubbed",
    call: (b, deadline) => b.get(getWire(meta({ job_id: "leak-error" })), { deadline }),
    expect: (o) => expect(o).toEqual({ code: "unavailable", message: "service refused key [REDACTED]" }),
  },
  {
    name: "get: UNDEFINED is never sent",
    call: (b, deadline) => b.get(getWire(meta({ job_id: "undefined-phase" })), { deadline }),
    expect: (o) =>
      expect(o).toMatchObject({
        code: "internal",
        message: expect.stringContaining("UNDEFINED is never sent"),
      }),
  },
  {
    name: "get: a connector's answer that is not a promise",
    call: (b, deadline) => b.get(getWire(meta({ job_id: "sync-answer" })), { deadline }),
    expect: (o) => expect(o).toMatchObject({ ok: { phase: Phase.RUNNING, message: "no promise" } }),
  },
  {
    name: "get: a connector that throws before it returns a promise",
    call: (b, deadline) => b.get(getWire(meta({ job_id: "sync-throw" })), { deadline }),
    expect: (o) => expect(o).toEqual({ code: "unavailable", message: "thrown before any promise" }),
  },
  {
    name: "get: connection configs reach ctx.configs",
    call: (b, deadline) => b.get(getWire(meta({ job_id: "configs" })), { deadline }),
    expect: (o) => expect(o).toMatchObject({ ok: { message: '{"region":"eu-west-1"}' } }),
  },
  {
    name: "get: a ConfigurationError is internal, not bad_request",
    call: (b, deadline) => b.get(getWire(meta({ job_id: "config-error" })), { deadline }),
    expect: (o) =>
      expect(o).toEqual({
        code: "internal",
        message: "internal error: the connector was deployed without a region",
      }),
  },
  {
    name: "get: a huge phase message is bounded",
    call: (b, deadline) => b.get(getWire(meta({ job_id: "huge-message" })), { deadline }),
    expect: (o) => expect((o as { ok: { message: string } }).ok.message.length).toBe(4096),
  },
  {
    name: "get: a missing secret is bad_request naming it, never a value",
    call: (b, deadline) => b.get(getWire(meta({ job_id: "missing-secret" })), { deadline }),
    expect: (o) =>
      expect(o).toMatchObject({
        code: "bad_request",
        message: expect.stringContaining('secret "token_that_is_not_there"'),
      }),
  },
  {
    name: "get: garbage resource_meta is bad_request",
    call: (b, deadline) => b.get(getWire(new Uint8Array([0xff, 0xfe, 0x00])), { deadline }),
    expect: (o) =>
      expect(o).toEqual({ code: "bad_request", message: "resource_meta is not valid UTF-8 JSON (3 bytes)" }),
  },
  {
    name: "get: an unknown task type is not_found listing what is served",
    call: (b, deadline) => b.get(getWire(meta({ job_id: "ok" }), "nope"), { deadline }),
    expect: (o) =>
      expect(o).toEqual({
        code: "not_found",
        message: 'no connector for task type "nope" version 0 (registered: table@0)',
      }),
  },
  {
    name: "get: a connector that ignores its signal is cut off at the deadline",
    call: (b, deadline) => b.get(getWire(meta({ job_id: "ignores-signal" })), { deadline }),
    deadlineMs: 300,
    codeOnly: true,
    expect: (o) => expect(o).toMatchObject({ code: "deadline_exceeded" }),
  },
  {
    name: "delete: repeatable, also for a job nobody knows",
    call: async (b, deadline) => {
      await b.delete(deleteWire(meta({ job_id: "never-existed" })), { deadline });
      await b.delete(deleteWire(meta({ job_id: "never-existed" })), { deadline });
      return "deleted twice";
    },
    expect: (o) => expect(o).toEqual({ ok: "deleted twice" }),
  },
];

let server: ConnectorServer;
let inProcess: InProcessBackend;
let overGrpc: GrpcBackend;

beforeAll(async () => {
  const registry = new ConnectorRegistry([new TableConnector()]);
  server = new ConnectorServer({ registry, logLevel: "silent", processMetrics: false });
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  inProcess = new InProcessBackend(registry, pino({ level: "silent" }));
  overGrpc = new GrpcBackend(`127.0.0.1:${port}`);
});

afterAll(async () => {
  overGrpc.close();
  await server.shutdown({ graceMs: 100 });
});

async function outcome(row: Row, backend: ExecutionBackend): Promise<Outcome> {
  try {
    return { ok: await row.call(backend, Date.now() + (row.deadlineMs ?? 10_000)) };
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    const e = error as ConnectorError;
    // The gRPC client names the endpoint in UNAVAILABLE errors (which may mean "no connection"); that
    // decoration is the client's, not the pipeline's.
    return { code: e.code, message: e.message.replace(/^connector server [^ ]+: /, "") };
  }
}

describe.each(rows)("$name", (row) => {
  it("gives the same outcome in process and over gRPC", async () => {
    const [local, served] = await Promise.all([outcome(row, inProcess), outcome(row, overGrpc)]);
    if (row.codeOnly) expect((local as { code?: string }).code).toBe((served as { code?: string }).code);
    else expect(local).toEqual(served);
    row.expect(local);
    row.expect(served);
    expect(JSON.stringify([local, served])).not.toContain(SECRET);
  });
});
