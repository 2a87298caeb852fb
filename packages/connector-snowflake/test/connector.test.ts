/**
 * The connector through a real gRPC server against the fake jobs API over real HTTP.
 *
 * `connectorConformance` checks what the Flyte backend relies on: idempotent create, repeatable get,
 * delete of finished, running and unknown jobs, outages during get, bad config named, meta through
 * bytes, deadlines, no secret leaked. The tests after it are this connector's own behaviour.
 */
import { isTerminal, TaskExecutionPhase as Phase } from "@flyte-connectors/runtime";
import {
  connectorConformance,
  createCallContext,
  createContext,
  startFaultProxy,
  type FaultProxy,
} from "@flyte-connectors/testing";
import { SnowflakeConnector, SnowflakeTask } from "../src";
import { startFakeService, type FakeService } from "./fake-service";

const API_KEY = "test-key-9fQ2xLw7";
const INPUTS = { text: "hello" };

let service: FakeService;
/** In front of the fake for the conformance suite: it can make the service hang. */
let proxy: FaultProxy;

beforeAll(async () => {
  service = await startFakeService({ apiKey: API_KEY });
  proxy = await startFaultProxy(service.url);
});
afterAll(async () => {
  await proxy.close();
  await service.close();
});

connectorConformance({
  connector: () => new SnowflakeConnector(),
  task: () => ({ template: new SnowflakeTask("shout", proxy.url), inputs: INPUTS }),
  faults: { unavailable: (on) => service.unavailable(on), hang: (on) => proxy.hang(on) },
  badConfigs: [
    { template: new SnowflakeTask("shout", "ftp://nope"), inputs: INPUTS, field: "custom.endpoint" },
  ],
  secrets: { api_key: API_KEY },
});

describe("SnowflakeConnector", () => {
  const connector = new SnowflakeConnector();
  const opened: Array<{ end(): void }> = [];
  const track = <T extends { end(): void }>(ctx: T): T => (opened.push(ctx), ctx);
  const callContext = (apiKey = API_KEY) => track(createCallContext({ secrets: { api_key: apiKey } }));
  let attempts = 0;
  // Each its own task attempt (idempotency key): the same key would find the same job.
  const submit = (text: string) =>
    connector.create(
      track(
        createContext({
          template: new SnowflakeTask("shout", service.url),
          inputs: { text },
          secrets: { api_key: API_KEY },
          idempotencyKey: `unit-test-${++attempts}`,
        }),
      ),
    );
  afterEach(() => opened.splice(0).forEach((ctx) => ctx.end()));

  it("reports queued, running, then succeeded with the job's result", async () => {
    const meta = await submit("hello");
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await connector.get(meta, callContext()));
    expect(answers.map((r) => r.phase)).toEqual([Phase.QUEUED, Phase.RUNNING, Phase.SUCCEEDED]);
    expect(answers[2].outputs).toEqual({ result: "HELLO" });
  });

  it("reports a failed job as FAILED with the service's reason", async () => {
    const meta = await submit("fail");
    let answer = await connector.get(meta, callContext());
    while (!isTerminal(answer.phase)) answer = await connector.get(meta, callContext());
    expect(answer).toMatchObject({
      phase: Phase.FAILED,
      message: expect.stringContaining("the input said so"),
    });
  });

  it("a rejected key is FAILED naming the secret, never showing it", async () => {
    const meta = await submit("hello");
    const answer = await connector.get(meta, callContext("wrong-key-3kd9"));
    expect(answer).toMatchObject({ phase: Phase.FAILED, message: expect.stringContaining("api_key") });
    expect(JSON.stringify(answer)).not.toContain("wrong-key-3kd9");
  });

  it("an outage during get is RUNNING with a message, so the backend asks again", async () => {
    const meta = await submit("hello");
    service.unavailable(true);
    try {
      const answer = await connector.get(meta, callContext());
      expect(answer).toMatchObject({ phase: Phase.RUNNING, message: expect.stringContaining("503") });
    } finally {
      service.unavailable(false);
    }
  });
});
