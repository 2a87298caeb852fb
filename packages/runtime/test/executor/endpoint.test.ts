/**
 * `execute({ endpoint })` takes what grpc-js can dial: `host:port`. A URL or a missing port fails at once
 * with a message naming that form, before any call — not later as a DNS error or a call to port 443.
 */
import { ConfigurationError } from "@flyte-connectors/runtime";
import { ConnectorServer } from "@flyte-connectors/runtime/server";
import { AddTask, setup } from "./scripted";

let env: ReturnType<typeof setup>;
let server: ConnectorServer;
let port: number;

beforeAll(async () => {
  env = setup();
  server = new ConnectorServer({ registry: env.registry, logLevel: "silent", processMetrics: false });
  ({ port } = await server.listen({ host: "127.0.0.1", port: 0 }));
});

afterAll(() => server.shutdown({ graceMs: 100 }));

/** What `execute` rejects with for `endpoint`; the server is up, so a malformed endpoint is the only fault. */
async function failure(endpoint: string): Promise<unknown> {
  const creates = env.connector.creates.length;
  const error = await new AddTask([["SUCCEEDED"]]).execute({ a: 1, b: 2 }, { ...env.options, endpoint }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(env.connector.creates.length).toBe(creates); // nothing reached the connector
  return error;
}

describe("execute({ endpoint }): the form grpc-js dials", () => {
  it.each([
    ["http://127.0.0.1:PORT", 'drop the "http://"'],
    ["https://127.0.0.1:PORT", 'drop the "https://"'],
    ["grpc://127.0.0.1:PORT", 'drop the "grpc://"'],
    ["127.0.0.1", 'add the port, e.g. "127.0.0.1:8000"'],
    ["localhost", 'add the port, e.g. "localhost:8000"'],
    ["localhost:", 'add the port, e.g. "localhost:8000"'],
    ["dns:///127.0.0.1", 'add the port, e.g. "127.0.0.1:8000"'],
    ["127.0.0.1:0", "port 0 is outside 1..65535"],
    ["127.0.0.1:70000", "port 70000 is outside 1..65535"],
    [":PORT", "expected a host name or address"],
    ["127.0.0.1:PORT/train", "expected a host name or address"],
    ["127.0.0.1:eighty", "expected a host name or address"],
  ])("%s is a ConfigurationError naming host:port (%s)", async (given, why) => {
    const endpoint = given.replace("PORT", String(port));
    const error = await failure(endpoint);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(
      (error as Error).message.startsWith(
        `execute option endpoint must be host:port (like "127.0.0.1:8000" or "dns:///connector.flyte:8000"), ` +
          `got ${JSON.stringify(endpoint)}: `,
      ),
    ).toBe(true);
    expect((error as Error).message).toContain(why);
  });

  it.each(["127.0.0.1:PORT", "localhost:PORT", "dns:///127.0.0.1:PORT", "dns:127.0.0.1:PORT"])(
    "%s is accepted and runs the task over gRPC",
    async (given) => {
      const outputs = await new AddTask([["SUCCEEDED"]]).execute(
        { a: 1, b: 2 },
        { ...env.options, endpoint: given.replace("PORT", String(port)) },
      );
      expect(outputs.total).toBe(3);
    },
  );
});
