/** The gRPC adapter declares its methods without loading the generated codecs; they must match them. */
import { GetTaskRequest, GetTaskResponse } from "../src/gen/flyteidl2/connector/connector";
import { AsyncConnectorServiceService, ConnectorMetadataServiceService } from "../src/gen/flyteidl2/connector/service";
import { GrpcConnectorService, SERVICE_METHODS } from "../src/grpc/service";

const generated = { asyncConnector: AsyncConnectorServiceService, metadata: ConnectorMetadataServiceService };

it.each(Object.keys(generated) as Array<keyof typeof generated>)("%s: every generated method, same path and shape", (service) => {
  const shape = (methods: Record<string, { path: string; requestStream?: boolean; responseStream: boolean }>) =>
    Object.fromEntries(
      Object.entries(methods).map(([name, m]) => [name, { path: m.path, requestStream: m.requestStream ?? false, responseStream: m.responseStream }]),
    );
  const definitions = GrpcConnectorService.definitions();
  expect(shape(definitions[service] as never)).toEqual(shape(generated[service] as never));
  expect(Object.keys(SERVICE_METHODS[service]).sort()).toEqual(Object.keys(generated[service]).sort());
});

it("the lazy codecs decode and encode as the generated ones do", () => {
  const { asyncConnector } = GrpcConnectorService.definitions();
  const bytes = AsyncConnectorServiceService.getTask.requestSerialize(
    GetTaskRequest.fromPartial({ taskCategory: { name: "t", version: 1 }, resourceMeta: Buffer.from("{}") }),
  );
  expect(asyncConnector.getTask.requestDeserialize(bytes)).toEqual(AsyncConnectorServiceService.getTask.requestDeserialize(bytes));
  const answer = GetTaskResponse.fromPartial({ resource: { phase: 3, message: "running" } });
  expect(Buffer.compare(asyncConnector.getTask.responseSerialize(answer), AsyncConnectorServiceService.getTask.responseSerialize(answer))).toBe(0);
});
