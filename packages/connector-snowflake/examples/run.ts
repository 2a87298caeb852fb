/**
 * Runs one snowflake task locally against the fake jobs API: no cluster, no server.
 *
 *   npx tsx examples/run.ts "hello"                                   # in process: prints HELLO
 *   npx tsx examples/run.ts "hello" --endpoint 127.0.0.1:8000         # through a running flyte-connector serve
 */
import { ConnectorRegistry } from "@flyte-connectors/runtime";
import { SnowflakeTask, connectors } from "../src";
import { startFakeService } from "../test/fake-service";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf("--endpoint");
  const endpoint = at >= 0 ? args.splice(at, 2)[1] : undefined;
  const apiKey = "local-example-key";
  const service = await startFakeService({ apiKey });
  process.env.SNOWFLAKE_API_KEY = apiKey;
  try {
    const task = new SnowflakeTask("shout", service.url, { apiKeyEnv: "SNOWFLAKE_API_KEY" });
    const { result } = await task.execute(
      { text: args.join(" ") || "hello" },
      endpoint
        ? { endpoint, poll: { initialMs: 50, maxMs: 200 }, handleSignals: false }
        : {
            registry: new ConnectorRegistry(connectors),
            poll: { initialMs: 50, maxMs: 200 },
            handleSignals: false,
          },
    );
    console.log(result);
  } finally {
    await service.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
