/** Upstream-encoded request builders shared by the server tests. */
import { status } from "@grpc/grpc-js";
import type { CreateTaskRequestSchema } from "@flyteorg/flyteidl2/flyteidl2/connector/connector_pb.ts";
import { SimpleType } from "@flyteorg/flyteidl2/flyteidl2/core/types_pb.ts";
import type { Init } from "@flyte-connectors/testing";
export { LogCapture } from "@flyte-connectors/testing";

export { status };

export interface CreateOptions {
  taskType?: string;
  version?: number;
  custom?: Record<string, unknown>;
  x?: bigint;
  retryAttempt?: number;
  run?: string;
  secrets?: Record<string, string>;
  withExecutionId?: boolean;
}

export function createRequest(options: CreateOptions = {}): Init<typeof CreateTaskRequestSchema> {
  const withId = options.withExecutionId ?? true;
  return {
    template: {
      type: options.taskType ?? "test_task",
      taskTypeVersion: options.version ?? 0,
      custom: (options.custom ?? {}) as never,
      interface: {
        inputs: { variables: [{ key: "x", value: { type: { type: { case: "simple", value: SimpleType.INTEGER } } } }] },
        outputs: { variables: [] },
      },
    },
    inputs: {
      literals: [
        {
          name: "x",
          value: {
            value: {
              case: "scalar",
              value: { value: { case: "primitive", value: { value: { case: "integer", value: options.x ?? 21n } } } },
            },
          },
        },
      ],
    },
    outputPrefix: "file:///tmp/outputs/abc",
    taskExecutionMetadata: withId
      ? {
          taskExecutionId: {
            nodeExecutionId: {
              nodeId: "n0",
              executionId: { project: "flytesnacks", domain: "development", name: options.run ?? "run-1" },
            },
            retryAttempt: options.retryAttempt ?? 0,
          },
          namespace: "flytesnacks-development",
        }
      : undefined,
    connection: options.secrets ? { secrets: options.secrets } : undefined,
  };
}

export function category(name = "test_task", version = 0) {
  return { name, version };
}

export function meta(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

