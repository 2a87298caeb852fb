/**
 * Our ts-proto wire types against the upstream protobuf-es encoder from @flyteorg/flyteidl2.
 *
 * Each case builds a message with one encoder, decodes it with the other, compares the two views through
 * proto3 JSON (the shared, name-stable form), and checks that re-encoding gives identical bytes. A field
 * number, type or oneof that drifted between the two would show here first.
 */
import { create, toBinary, fromBinary, toJson, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import {
  CreateTaskRequestSchema,
  GetTaskResponseSchema,
  GetTaskLogsResponseSchema,
  GetTaskLogsRequestSchema,
  ListConnectorsResponseSchema,
} from "@flyteorg/flyteidl2/flyteidl2/connector/connector_pb.ts";
import { LiteralSchema } from "@flyteorg/flyteidl2/flyteidl2/core/literals_pb.ts";
import { SimpleType, BlobType_BlobDimensionality } from "@flyteorg/flyteidl2/flyteidl2/core/types_pb.ts";
import { TaskExecution_Phase, TaskLog_MessageFormat } from "@flyteorg/flyteidl2/flyteidl2/core/execution_pb.ts";
import { Sql_Dialect, RuntimeMetadata_RuntimeType } from "@flyteorg/flyteidl2/flyteidl2/core/tasks_pb.ts";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { ResourceType } from "@flyteorg/flyteidl2/flyteidl2/core/identifier_pb.ts";
import {
  CreateTaskRequest,
  GetTaskResponse,
  GetTaskLogsResponse,
  GetTaskLogsRequest,
  ListConnectorsResponse,
} from "../../src/gen/flyteidl2/connector/connector";
import { Literal } from "../../src/gen/flyteidl2/core/literals";

interface OurMessage<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

/**
 * One neutral shape for both object models: ts-proto's `{ $case, value }` and protobuf-es' `{ case, value }`
 * oneofs both become `{ [case]: value }`, bytes become hex, `$typeName` and unset fields go. Everything else
 * (bigints, enum numbers, default values, Struct JSON) must already agree.
 */
function neutral(value: unknown): unknown {
  if (value === undefined || value === null || typeof value !== "object") return value;
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString("hex")}`;
  if (Array.isArray(value)) return value.map(neutral);
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => k !== "$typeName" && record[k] !== undefined);
  const oneofCase = "$case" in record ? record.$case : "$typeName" in record ? undefined : record.case;
  if (keys.every((k) => k === "$case" || k === "case" || k === "value") && ("$case" in record || "case" in record)) {
    return oneofCase === undefined ? undefined : { [String(oneofCase)]: neutral(record.value) };
  }
  const out: Record<string, unknown> = {};
  for (const key of keys.sort()) {
    const v = neutral(record[key]);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** Top-level wire records `(field number, raw bytes)` of a message, in the order they were written. */
function records(bytes: Uint8Array): Array<[number, string]> {
  const reader = new BinaryReader(bytes);
  const out: Array<[number, string]> = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const [fieldNo, wireType] = reader.tag();
    reader.skip(wireType, fieldNo);
    out.push([fieldNo, Buffer.from(bytes.subarray(start, reader.pos)).toString("hex")]);
  }
  return out;
}

/**
 * Same bytes, or — only where `reorderedIn` names the one known case — the same records in another order.
 * ts-proto writes a oneof where it is declared; protobuf-es writes fields by number. TaskTemplate declares
 * its `target` oneof (container 6, k8s_pod 17, sql 18) around `config` (16), so with sql and config both
 * set the two encoders order them differently. Any decoder accepts either order.
 */
function expectSameWire(ours: Uint8Array, theirs: Uint8Array, reorderedIn?: (bytes: Uint8Array) => Uint8Array) {
  if (Buffer.from(ours).equals(Buffer.from(theirs))) return;
  expect(reorderedIn).toBeDefined();
  const [a, b] = [reorderedIn!(ours), reorderedIn!(theirs)];
  expect(records(a).map(([n]) => n)).not.toEqual(records(b).map(([n]) => n));
  expect(records(a).sort(([x], [y]) => x - y)).toEqual(records(b).sort(([x], [y]) => x - y));
}

/** upstream build → bytes → ours decode → same values → ours encode → same bytes. */
function upstreamThroughOurs<D extends DescMessage, T>(
  schema: D,
  msg: MessageShape<D>,
  ours: OurMessage<T>,
  reorderedIn?: (bytes: Uint8Array) => Uint8Array,
): T {
  const bytes = toBinary(schema, msg);
  const decoded = ours.decode(bytes);
  expect(neutral(decoded)).toEqual(neutral(msg));
  expectSameWire(ours.encode(decoded).finish(), bytes, reorderedIn);
  return decoded;
}

/** ours build → bytes → upstream decode → same values → upstream encode → same bytes. */
function oursThroughUpstream<D extends DescMessage, T>(
  schema: D,
  msg: T,
  ours: OurMessage<T>,
  reorderedIn?: (bytes: Uint8Array) => Uint8Array,
): MessageShape<D> {
  const bytes = ours.encode(msg).finish();
  const decoded = fromBinary(schema, bytes);
  expect(neutral(decoded)).toEqual(neutral(ours.decode(bytes)));
  expectSameWire(bytes, toBinary(schema, decoded), reorderedIn);
  return decoded;
}

/** The TaskTemplate (field 2) of an encoded CreateTaskRequest, as written. */
function templateOf(createRequest: Uint8Array): Uint8Array {
  const reader = new BinaryReader(createRequest);
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    if (fieldNo === 2) return reader.bytes();
    reader.skip(wireType, fieldNo);
  }
  throw new Error("no template in CreateTaskRequest");
}

const BIG_INT64 = 2n ** 62n + 12345n; // beyond 2^53: a double would round it
const BIG_NEGATIVE = -(2n ** 60n) - 7n;

function primitive(value: { case: string; value: unknown }) {
  return create(LiteralSchema, {
    value: { case: "scalar", value: { value: { case: "primitive", value: { value } as never } } },
  });
}

function scalar(value: { case: string; value: unknown }) {
  return create(LiteralSchema, { value: { case: "scalar", value: { value } as never } });
}

/** One literal of every kind the runtime converts. */
function everyLiteral() {
  return {
    int: primitive({ case: "integer", value: BIG_INT64 }),
    negative_int: primitive({ case: "integer", value: BIG_NEGATIVE }),
    float: primitive({ case: "floatValue", value: 0.1 + 0.2 }),
    string: primitive({ case: "stringValue", value: "héllo ✓" }),
    bool: primitive({ case: "boolean", value: true }),
    datetime: primitive({ case: "datetime", value: { seconds: 1_764_000_000n, nanos: 123_456_789 } }),
    duration: primitive({ case: "duration", value: { seconds: 3_600n, nanos: 500_000_000 } }),
    none: scalar({ case: "noneType", value: {} }),
    file: scalar({
      case: "blob",
      value: {
        uri: "s3://bucket/model.pt",
        metadata: { type: { format: "pt", dimensionality: BlobType_BlobDimensionality.SINGLE } },
      },
    }),
    directory: scalar({
      case: "blob",
      value: { uri: "gs://bucket/dir/", metadata: { type: { dimensionality: BlobType_BlobDimensionality.MULTIPART } } },
    }),
    dataframe: scalar({
      case: "structuredDataset",
      value: {
        uri: "bq://project:dataset.table",
        metadata: {
          structuredDatasetType: {
            format: "parquet",
            columns: [{ name: "id", literalType: { type: { case: "simple", value: SimpleType.INTEGER } } }],
          },
        },
      },
    }),
    generic: scalar({
      case: "generic",
      value: { fields: {} },
    }),
    binary: scalar({ case: "binary", value: { value: new Uint8Array([0x81, 0xa1, 0x61, 0x01]), tag: "msgpack" } }),
    union: scalar({
      case: "union",
      value: {
        value: primitive({ case: "stringValue", value: "left" }),
        type: { type: { case: "simple", value: SimpleType.STRING }, structure: { tag: "str" } },
      },
    }),
    collection: create(LiteralSchema, {
      value: {
        case: "collection",
        value: { literals: [primitive({ case: "integer", value: 1n }), primitive({ case: "integer", value: 2n })] },
      },
    }),
    map: create(LiteralSchema, {
      value: {
        case: "map",
        value: { literals: { a: primitive({ case: "floatValue", value: 1.5 }), b: scalar({ case: "noneType", value: {} }) } },
      },
      metadata: { origin: "test" },
      hash: "abc123",
    }),
    offloaded: create(LiteralSchema, {
      value: { case: "offloadedMetadata", value: { uri: "s3://big/literal.pb", sizeBytes: BIG_INT64 } },
    }),
  };
}

describe("wire compatibility with @flyteorg/flyteidl2 (protobuf-es)", () => {
  describe("literals of every kind, one at a time", () => {
    for (const [name, literal] of Object.entries(everyLiteral())) {
      it(`${name}: upstream → ours → identical bytes`, () => {
        upstreamThroughOurs(LiteralSchema, literal, Literal);
      });
    }
  });

  it("a Struct literal keeps nested JSON values in both directions", () => {
    const ours = Literal.fromPartial({
      value: {
        $case: "scalar",
        value: { value: { $case: "generic", value: { a: 1, b: [true, null, "x"], c: { d: 2.5 } } } },
      },
    });
    const upstream = oursThroughUpstream(LiteralSchema, ours, Literal);
    expect(toJson(LiteralSchema, upstream)).toEqual({ scalar: { generic: { a: 1, b: [true, null, "x"], c: { d: 2.5 } } } });
  });

  it("int64 beyond 2^53 survives both directions exactly", () => {
    const ours = upstreamThroughOurs(LiteralSchema, everyLiteral().int, Literal);
    const value = ours.value;
    expect(value?.$case === "scalar" && value.value.value?.$case === "primitive" && value.value.value.value.value).toEqual({
      $case: "integer",
      value: BIG_INT64,
    });
    const back = oursThroughUpstream(LiteralSchema, ours, Literal);
    expect(toJson(LiteralSchema, back)).toEqual({ scalar: { primitive: { integer: BIG_INT64.toString() } } });
  });

  it("CreateTaskRequest with a full TaskTemplate, inputs, metadata and connection", () => {
    const literals = everyLiteral();
    const request = create(CreateTaskRequestSchema, {
      inputs: {
        literals: Object.entries(literals)
          .filter(([name]) => name !== "offloaded")
          .map(([name, value]) => ({ name, value })),
        context: [{ key: "trace", value: "t-1" }],
      },
      template: {
        id: {
          resourceType: ResourceType.TASK,
          project: "flytesnacks",
          domain: "development",
          name: "bq_task",
          version: "v1",
          org: "acme",
        },
        type: "bigquery_query_job_task",
        taskTypeVersion: 0,
        metadata: {
          runtime: { type: RuntimeMetadata_RuntimeType.OTHER, version: "0.1.0", flavor: "typescript" },
          timeout: { seconds: 600n },
          retries: { retries: 3 },
          tags: { team: "data" },
        },
        interface: {
          inputs: {
            variables: [
              { key: "epochs", value: { type: { type: { case: "simple", value: SimpleType.INTEGER } }, description: "n" } },
              {
                key: "names",
                value: { type: { type: { case: "collectionType", value: { type: { case: "simple", value: SimpleType.STRING } } } } },
              },
              {
                key: "maybe",
                value: {
                  type: {
                    type: {
                      case: "unionType",
                      value: {
                        variants: [
                          { type: { case: "simple", value: SimpleType.STRING } },
                          { type: { case: "simple", value: SimpleType.NONE } },
                        ],
                      },
                    },
                  },
                },
              },
              { key: "color", value: { type: { type: { case: "enumType", value: { values: ["red", "green"] } } } } },
            ],
          },
          outputs: {
            variables: [
              {
                key: "results",
                value: { type: { type: { case: "structuredDatasetType", value: { format: "parquet" } } } },
              },
            ],
          },
        },
        custom: { ProjectID: "p", Location: "US", QueryJobConfig: { useLegacySql: false, labels: { a: "b" } } },
        target: { case: "sql", value: { statement: "SELECT @epochs", dialect: Sql_Dialect.ANSI } },
        config: { k: "v" },
      },
      outputPrefix: "s3://bucket/outputs/abc",
      taskExecutionMetadata: {
        taskExecutionId: {
          taskId: { resourceType: ResourceType.TASK, project: "flytesnacks", domain: "development", name: "bq_task", version: "v1" },
          nodeExecutionId: {
            nodeId: "n0",
            executionId: { project: "flytesnacks", domain: "development", name: "run-1", org: "acme" },
          },
          retryAttempt: 2,
        },
        namespace: "flytesnacks-development",
        labels: { l: "1" },
        annotations: { a: "2" },
        k8sServiceAccount: "default",
        environmentVariables: { FOO: "bar" },
        maxAttempts: 4,
        interruptible: true,
      },
      connection: { taskType: "bigquery_query_job_task", secrets: { api_key: "s3cr3t" }, configs: { region: "us" } },
    });
    const ours = upstreamThroughOurs(CreateTaskRequestSchema, request, CreateTaskRequest, templateOf);
    expect(ours.template?.target).toEqual({ $case: "sql", value: { statement: "SELECT @epochs", dialect: 1 } });
    expect(ours.template?.custom).toEqual({ ProjectID: "p", Location: "US", QueryJobConfig: { useLegacySql: false, labels: { a: "b" } } });
    expect(ours.taskExecutionMetadata?.taskExecutionId?.retryAttempt).toBe(2);
    expect(ours.connection?.secrets).toEqual({ api_key: "s3cr3t" });
    expect(ours.inputs?.literals.map((l) => l.name)).toContain("dataframe");
    oursThroughUpstream(CreateTaskRequestSchema, ours, CreateTaskRequest, templateOf);
    // Without `config` the oneof is the last field set, and the bytes are identical.
    const withoutConfig = create(CreateTaskRequestSchema, { ...request, template: { ...request.template!, config: {} } });
    upstreamThroughOurs(CreateTaskRequestSchema, withoutConfig, CreateTaskRequest);
  });

  it("GetTaskResponse: Resource with outputs, log links and customInfo", () => {
    const ours = GetTaskResponse.fromPartial({
      resource: {
        phase: 3, // SUCCEEDED
        message: "done",
        logLinks: [
          { name: "BigQuery Console", uri: "https://console.cloud.google.com/bigquery?j=p:US.job", messageFormat: 2, ready: true },
        ],
        outputs: {
          literals: [
            {
              name: "results",
              value: {
                value: {
                  $case: "scalar",
                  value: { value: { $case: "structuredDataset", value: { uri: "bq://p:d.t", metadata: undefined } } },
                },
              },
            },
          ],
        },
        customInfo: { totalBytesProcessed: "1024", cacheHit: false, slotMs: 12, nested: { list: [1, "two"] } },
      },
    });
    const upstream = oursThroughUpstream(GetTaskResponseSchema, ours, GetTaskResponse);
    expect(upstream.resource?.phase).toBe(TaskExecution_Phase.SUCCEEDED);
    expect(upstream.resource?.logLinks[0].messageFormat).toBe(TaskLog_MessageFormat.JSON);
    expect(upstream.resource?.customInfo).toEqual({ totalBytesProcessed: "1024", cacheHit: false, slotMs: 12, nested: { list: [1, "two"] } });
    upstreamThroughOurs(GetTaskResponseSchema, upstream, GetTaskResponse);
  });

  it("GetTaskLogsResponse: header and body oneof parts", () => {
    const header = create(GetTaskLogsResponseSchema, { part: { case: "header", value: { token: "next-1" } } });
    expect(upstreamThroughOurs(GetTaskLogsResponseSchema, header, GetTaskLogsResponse).part).toEqual({
      $case: "header",
      value: { token: "next-1" },
    });
    const body = create(GetTaskLogsResponseSchema, {
      part: {
        case: "body",
        value: { results: ["legacy"], lines: [{ message: "epoch 1", timestamp: { seconds: 1_764_000_000n, nanos: 5 }, originator: 1 }] },
      },
    });
    const ours = upstreamThroughOurs(GetTaskLogsResponseSchema, body, GetTaskLogsResponse);
    expect(ours.part?.$case).toBe("body");
    oursThroughUpstream(GetTaskLogsResponseSchema, ours, GetTaskLogsResponse);
  });

  it("uint64 and int64 request fields beyond 2^53", () => {
    const request = create(GetTaskLogsRequestSchema, {
      resourceMeta: new TextEncoder().encode('{"job_id":"j"}'),
      lines: 2n ** 63n - 1n,
      token: "t",
      taskCategory: { name: "external_model_training", version: 0 },
    });
    const ours = upstreamThroughOurs(GetTaskLogsRequestSchema, request, GetTaskLogsRequest);
    expect(ours.lines).toBe(2n ** 63n - 1n);
    expect(Buffer.from(ours.resourceMeta).toString("utf8")).toBe('{"job_id":"j"}');
  });

  it("ListConnectorsResponse from ours decodes upstream", () => {
    const ours = ListConnectorsResponse.fromPartial({
      connectors: [
        { name: "Bigquery Connector", supportedTaskCategories: [{ name: "bigquery_query_job_task", version: 0 }] },
        { name: "Model Training Connector", supportedTaskCategories: [{ name: "external_model_training", version: 3 }] },
      ],
    });
    const upstream = oursThroughUpstream(ListConnectorsResponseSchema, ours, ListConnectorsResponse);
    expect(upstream.connectors.map((c) => c.supportedTaskCategories[0].version)).toEqual([0, 3]);
  });

  it("a wrong field type is caught: an upstream message decoded as another type differs", () => {
    // Guards the comparison helpers themselves: they must be able to fail.
    const bytes = toBinary(GetTaskLogsResponseSchema, create(GetTaskLogsResponseSchema, { part: { case: "header", value: { token: "x" } } }));
    const misread = GetTaskLogsRequest.decode(bytes);
    expect(neutral(misread)).not.toEqual(neutral(fromBinary(GetTaskLogsResponseSchema, bytes)));
    expect(neutral(GetTaskLogsResponse.decode(bytes))).toEqual(neutral(fromBinary(GetTaskLogsResponseSchema, bytes)));
  });
});
