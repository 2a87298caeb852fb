/**
 * Literals, types and task execution metadata in the upstream (protobuf-es) shape, for building the
 * requests an `UpstreamClient` sends by hand.
 */
import { BlobType_BlobDimensionality, SimpleType } from "./upstream";

type Primitive =
  | { case: "integer"; value: bigint }
  | { case: "floatValue"; value: number }
  | { case: "stringValue"; value: string }
  | { case: "boolean"; value: boolean }
  | { case: "datetime"; value: { seconds: bigint; nanos: number } };

function primitive(value: Primitive) {
  return {
    value: { case: "scalar" as const, value: { value: { case: "primitive" as const, value: { value } } } },
  };
}

export const lit = {
  int: (v: bigint | number) => primitive({ case: "integer", value: BigInt(v) }),
  float: (v: number) => primitive({ case: "floatValue", value: v }),
  str: (v: string) => primitive({ case: "stringValue", value: v }),
  bool: (v: boolean) => primitive({ case: "boolean", value: v }),
  datetime: (v: Date) =>
    primitive({
      case: "datetime",
      value: { seconds: BigInt(Math.floor(v.getTime() / 1000)), nanos: (v.getTime() % 1000) * 1e6 },
    }),
  list: (literals: unknown[]) => ({ value: { case: "collection" as const, value: { literals } } }),
};

export const simple = (type: SimpleType) => ({ type: { case: "simple" as const, value: type } });

export const ty = {
  int: simple(SimpleType.INTEGER),
  float: simple(SimpleType.FLOAT),
  str: simple(SimpleType.STRING),
  bool: simple(SimpleType.BOOLEAN),
  datetime: simple(SimpleType.DATETIME),
  list: (element: unknown) => ({ type: { case: "collectionType" as const, value: element } }),
  file: {
    type: {
      case: "blob" as const,
      value: { format: "", dimensionality: BlobType_BlobDimensionality.SINGLE },
    },
  },
  dataframe: { type: { case: "structuredDatasetType" as const, value: { format: "" } } },
};

/** An interface's variable map from `{ name: type }`, in declaration order. */
export function variables(shape: Record<string, unknown>): {
  variables: Array<{ key: string; value: { type: never } }>;
} {
  return { variables: Object.entries(shape).map(([key, type]) => ({ key, value: { type: type as never } })) };
}

/** Named input literals from `{ name: literal }`. */
export function namedLiterals(values: Record<string, unknown>) {
  return Object.entries(values).map(([name, value]) => ({ name, value }));
}

/** The task execution metadata the backend sends, for a run name, node id and retry attempt. */
export function executionMetadata(run: string, retryAttempt = 0, nodeId = "n0") {
  return {
    taskExecutionId: {
      nodeExecutionId: { nodeId, executionId: { project: "flytesnacks", domain: "development", name: run } },
      retryAttempt,
    },
    namespace: "flytesnacks-development",
  };
}
