/**
 * docker/compose.yaml runs the local stack from one image this CLI builds: its services' entrypoints must
 * be bins that image has on PATH, and their files must be in the packages it installs.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";

const repoRoot = path.resolve(__dirname, "../../..");
const compose = YAML.parse(readFileSync(path.join(repoRoot, "docker/compose.yaml"), "utf8"), { merge: true });
const manifest = (pkg: string) =>
  JSON.parse(readFileSync(path.join(repoRoot, "packages", pkg, "package.json"), "utf8"));

test("three services from one image: the connector's entrypoint, the training service and the emulator sharing its network", () => {
  expect(Object.keys(compose.services).sort()).toEqual(["bigquery", "connector", "training-service"]);
  const images = new Set(Object.values(compose.services).map((s: any) => s.image));
  expect([...images]).toEqual(["${FLYTE_CONNECTORS_IMAGE:-localhost/flyte-connectors-local:latest}"]);
  const { connector, bigquery } = compose.services;
  const training = compose.services["training-service"];
  expect(connector.entrypoint).toBeUndefined();
  expect(connector.ports).toEqual(expect.arrayContaining(["127.0.0.1:8000:8000", "127.0.0.1:9090:9090"]));
  expect(connector.stop_signal).toBe("SIGTERM");
  expect(connector.environment.BIGQUERY_EMULATOR_HOST).toBe("http://127.0.0.1:9050");
  for (const s of [training, bigquery]) expect(s.network_mode).toBe("service:connector");
  // The bins the entrypoints name, from the packages the image is built with.
  expect(manifest("connector-model-training").bin).toHaveProperty(training.entrypoint[0]);
  expect(manifest("bigquery-emulator").bin).toHaveProperty(bigquery.entrypoint[0]);
  const data = bigquery.command[bigquery.command.indexOf("--data") + 1] as string;
  expect(data.startsWith("/app/node_modules/@flyte-connectors/bigquery-emulator/")).toBe(true);
  expect(manifest("bigquery-emulator").files).toContain("data");
  expect(
    existsSync(
      path.join(
        repoRoot,
        "packages/bigquery-emulator",
        data.slice("/app/node_modules/@flyte-connectors/bigquery-emulator/".length),
      ),
    ),
  ).toBe(true);
});
