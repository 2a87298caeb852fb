// The requests the bench sends, built and encoded with the upstream protobuf-es encoder
// (@flyteorg/flyteidl2), exactly as a Flyte backend would send them. Every value is fixed, so every run
// sends the same bytes.
import { TASK_TYPE } from "../fixtures/noop-connector.mjs";

export const ASYNC = "/flyteidl2.connector.AsyncConnectorService/";
export const METADATA = "/flyteidl2.connector.ConnectorMetadataService/";

/** The backend's task execution metadata for one attempt (what the idempotency key is derived from). */
const executionMetadata = {
  taskExecutionId: {
    nodeExecutionId: {
      nodeId: "n0",
      executionId: { project: "flytesnacks", domain: "development", name: "bench-run-0001" },
    },
    retryAttempt: 0,
  },
  namespace: "flytesnacks-development",
  labels: { team: "ml-platform", env: "bench" },
};

/**
 * Builds every bench request. `u` is `loadUpstream()`'s result. Each entry: the method path, the encoded
 * request, and `verify(responseBytes)` — which decodes the answer with the upstream decoder and throws
 * when it is not what a working no-op connector returns.
 */
export function buildRequests(u) {
  const { create, toBinary, fromBinary, connector: c, types: t, execution: e } = u;
  const { SimpleType } = t;
  const simple = (type) => ({ type: { case: "simple", value: type } });
  const listOf = (element) => ({ type: { case: "collectionType", value: element } });
  const mapOf = (value) => ({ type: { case: "mapValueType", value } });
  const scalar = (value) => ({ value: { case: "scalar", value: { value } } });
  const primitive = (value) => scalar({ case: "primitive", value: { value } });
  const lit = {
    int: (v) => primitive({ case: "integer", value: BigInt(v) }),
    float: (v) => primitive({ case: "floatValue", value: v }),
    str: (v) => primitive({ case: "stringValue", value: v }),
    bool: (v) => primitive({ case: "boolean", value: v }),
    datetime: (ms) =>
      primitive({
        case: "datetime",
        value: { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 },
      }),
    duration: (s) => primitive({ case: "duration", value: { seconds: BigInt(s), nanos: 0 } }),
    list: (items) => ({ value: { case: "collection", value: { literals: items } } }),
    map: (entries) => ({ value: { case: "map", value: { literals: entries } } }),
    struct: (json) => scalar({ case: "generic", value: json }),
  };

  // 20 inputs of every common kind: what a real training or query task passes, in one template.
  const inputs = [
    ["epochs", simple(SimpleType.INTEGER), lit.int(30)],
    ["batch_size", simple(SimpleType.INTEGER), lit.int(256)],
    ["seed", simple(SimpleType.INTEGER), lit.int(7)],
    ["max_steps", simple(SimpleType.INTEGER), lit.int(100_000)],
    ["learning_rate", simple(SimpleType.FLOAT), lit.float(0.0003)],
    ["dropout", simple(SimpleType.FLOAT), lit.float(0.1)],
    ["momentum", simple(SimpleType.FLOAT), lit.float(0.9)],
    [
      "dataset_uri",
      simple(SimpleType.STRING),
      lit.str("gs://bench-bucket/datasets/clicks/2024-06-01.parquet"),
    ],
    ["model_name", simple(SimpleType.STRING), lit.str("ctr-transformer-small")],
    ["optimizer", simple(SimpleType.STRING), lit.str("adamw")],
    ["run_label", simple(SimpleType.STRING), lit.str("nightly retrain, region eu-west")],
    ["shuffle", simple(SimpleType.BOOLEAN), lit.bool(true)],
    ["use_gpu", simple(SimpleType.BOOLEAN), lit.bool(false)],
    ["start_at", simple(SimpleType.DATETIME), lit.datetime(Date.UTC(2024, 5, 1, 12, 30, 0))],
    ["timeout", simple(SimpleType.DURATION), lit.duration(3600)],
    ["layer_sizes", listOf(simple(SimpleType.INTEGER)), lit.list([512, 256, 128, 64].map(lit.int))],
    ["tags", listOf(simple(SimpleType.STRING)), lit.list(["ctr", "nightly", "eu"].map(lit.str))],
    [
      "class_weights",
      mapOf(simple(SimpleType.FLOAT)),
      lit.map({ click: lit.float(4.5), no_click: lit.float(0.55) }),
    ],
    [
      "env",
      mapOf(simple(SimpleType.STRING)),
      lit.map({ REGION: lit.str("eu-west1"), TIER: lit.str("batch") }),
    ],
    [
      "hyperparameters",
      simple(SimpleType.STRUCT),
      lit.struct({ warmup: 500, schedule: "cosine", layers: [4, 4] }),
    ],
  ];

  const createRequest = create(c.CreateTaskRequestSchema, {
    template: {
      type: TASK_TYPE,
      taskTypeVersion: 0,
      custom: { endpoint: "http://training.bench.internal/train", priority: "low" },
      interface: {
        inputs: { variables: inputs.map(([key, type]) => ({ key, value: { type, description: "" } })) },
        outputs: { variables: [] },
      },
    },
    inputs: { literals: inputs.map(([name, , value]) => ({ name, value })) },
    outputPrefix: "gs://bench-bucket/outputs/bench-run-0001/n0/0",
    taskExecutionMetadata: executionMetadata,
  });

  // A small JSON resource_meta, like a real connector's {job_id, project, location}.
  const resourceMeta = new TextEncoder().encode(
    JSON.stringify({ job_id: "bench-job-0001", project: "bench-project", location: "US" }),
  );
  const getRequest = create(c.GetTaskRequestSchema, {
    taskCategory: { name: TASK_TYPE, version: 0 },
    resourceMeta,
  });
  const listRequest = create(c.ListConnectorsRequestSchema, {});

  return {
    getTask: {
      methodPath: `${ASYNC}GetTask`,
      bytes: toBinary(c.GetTaskRequestSchema, getRequest),
      verify(bytes) {
        const phase = fromBinary(c.GetTaskResponseSchema, bytes).resource?.phase;
        if (phase !== e.TaskExecution_Phase.SUCCEEDED)
          throw new Error(`GetTask answered phase ${phase}, not SUCCEEDED`);
      },
    },
    listConnectors: {
      methodPath: `${METADATA}ListConnectors`,
      bytes: toBinary(c.ListConnectorsRequestSchema, listRequest),
      verify(bytes) {
        const list = fromBinary(c.ListConnectorsResponseSchema, bytes).connectors;
        if (!list.some((x) => x.supportedTaskCategories.some((cat) => cat.name === TASK_TYPE))) {
          throw new Error(`ListConnectors does not list ${TASK_TYPE}`);
        }
      },
    },
    createTask: {
      methodPath: `${ASYNC}CreateTask`,
      bytes: toBinary(c.CreateTaskRequestSchema, createRequest),
      inputCount: inputs.length,
      verify(bytes) {
        const meta = fromBinary(c.CreateTaskResponseSchema, bytes).resourceMeta;
        const parsed = JSON.parse(new TextDecoder().decode(meta));
        if (typeof parsed.job_id !== "string" || parsed.job_id === "")
          throw new Error("CreateTask answered no job_id");
      },
    },
  };
}
