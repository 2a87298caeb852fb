/** Upstream (protobuf-es) shaped literals and types for building requests in tests. */
import { SimpleType, BlobType_BlobDimensionality } from "@flyteorg/flyteidl2/flyteidl2/core/types_pb.ts";

type Primitive =
  | { case: "integer"; value: bigint }
  | { case: "floatValue"; value: number }
  | { case: "stringValue"; value: string }
  | { case: "boolean"; value: boolean };

function primitive(value: Primitive) {
  return { value: { case: "scalar" as const, value: { value: { case: "primitive" as const, value: { value } } } } };
}

export const lit = {
  int: (v: bigint | number) => primitive({ case: "integer", value: BigInt(v) }),
  float: (v: number) => primitive({ case: "floatValue", value: v }),
  str: (v: string) => primitive({ case: "stringValue", value: v }),
  bool: (v: boolean) => primitive({ case: "boolean", value: v }),
};

export const simple = (type: SimpleType) => ({ type: { case: "simple" as const, value: type } });

export const ty = {
  int: simple(SimpleType.INTEGER),
  float: simple(SimpleType.FLOAT),
  str: simple(SimpleType.STRING),
  bool: simple(SimpleType.BOOLEAN),
  file: { type: { case: "blob" as const, value: { format: "", dimensionality: BlobType_BlobDimensionality.SINGLE } } },
  dataframe: { type: { case: "structuredDatasetType" as const, value: { format: "" } } },
};

/** An interface's variable map from `{ name: type }`, in declaration order. */
export function variables(shape: Record<string, unknown>): { variables: Array<{ key: string; value: { type: never } }> } {
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
