/**
 * The upstream protobuf-es code of @flyteorg/flyteidl2 the kit encodes and decodes with — never the
 * runtime's generated types, so a wire mismatch between the runtime and the real protocol fails a test.
 *
 * `#flyteidl2/*` is this package's own import map (package.json "imports"): compiled files in
 * `dist/upstream` for node and for type-checking, the package's .ts sources for jest inside this
 * repository (the preset transforms them).
 */
export {
  CreateTaskRequestSchema,
  CreateTaskResponseSchema,
  DeleteTaskRequestSchema,
  DeleteTaskResponseSchema,
  GetConnectorRequestSchema,
  GetConnectorResponseSchema,
  GetTaskLogsRequestSchema,
  GetTaskLogsResponseSchema,
  GetTaskMetricsRequestSchema,
  GetTaskMetricsResponseSchema,
  GetTaskRequestSchema,
  GetTaskResponseSchema,
  ListConnectorsRequestSchema,
  ListConnectorsResponseSchema,
  TaskExecutionMetadataSchema,
  type ListConnectorsResponse,
  type Resource as UpstreamResource,
  type TaskExecutionMetadata as UpstreamTaskExecutionMetadata,
} from "#flyteidl2/connector/connector_pb";
export { TaskExecution_Phase } from "#flyteidl2/core/execution_pb";
export { BlobType_BlobDimensionality, SimpleType } from "#flyteidl2/core/types_pb";
export { TaskTemplateSchema, type TaskTemplate as UpstreamTaskTemplate } from "#flyteidl2/core/tasks_pb";
export { TypedInterfaceSchema } from "#flyteidl2/core/interface_pb";
export { InputsSchema, OutputsSchema, type Outputs as UpstreamOutputs } from "#flyteidl2/task/common_pb";
