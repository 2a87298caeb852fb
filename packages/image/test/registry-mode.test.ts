/**
 * `--from registry`: exact published versions installed from a registry, not the workspace. The
 * @flyte-connectors scope is served by a small local registry holding packed copies of the packages
 * (a test cannot publish); every other package comes from the real npm registry.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createContext, Image } from "../src";
import { startScopedRegistry, type ScopedRegistry } from "./support/npm-registry";

jest.setTimeout(300_000);

const repoRoot = path.resolve(__dirname, "../../..");
const scratch = mkdtempSync(path.join(os.tmpdir(), "image-registry-mode-"));
const SCOPE_KEY = "npm_config_@flyte-connectors:registry";
let registry: ScopedRegistry;

beforeAll(async () => {
  registry = await startScopedRegistry(
    ["runtime", "connector-bigquery", "connector-model-training"].map((p) =>
      path.join(repoRoot, "packages", p),
    ),
    scratch,
  );
  process.env[SCOPE_KEY] = `${registry.url}/`;
});

afterAll(async () => {
  delete process.env[SCOPE_KEY];
  await registry.close();
  rmSync(scratch, { recursive: true, force: true });
});

test("installs the exact published versions the workspace names, from the registry", async () => {
  const image = Image.fromDebianBase({ registry: "localhost", name: "from-registry" }).withConnectors(
    "bigquery",
    "model-training@^0.1.0",
  );
  const context = await createContext(image, {
    from: "registry",
    cwd: repoRoot,
    outDir: path.join(scratch, "ctx"),
  });
  const app = path.join(context.dir, "rootfs/app/app");
  expect(JSON.parse(readFileSync(path.join(app, "package.json"), "utf8")).dependencies).toEqual({
    "@flyte-connectors/connector-bigquery": "0.1.0",
    "@flyte-connectors/connector-model-training": "0.1.0",
  });
  const lock = JSON.parse(readFileSync(path.join(app, "package-lock.json"), "utf8"));
  // Resolved through the registry's metadata (npm may take the tarball bytes from its cache by integrity).
  for (const name of [
    "@flyte-connectors/connector-bigquery",
    "@flyte-connectors/connector-model-training",
    "@flyte-connectors/runtime",
  ]) {
    expect(registry.requests).toContain(`/${name}`);
    expect(lock.packages[`node_modules/${name}`]).toMatchObject({
      version: "0.1.0",
      integrity: registry.integrity[name],
    });
  }
  expect(context.manifest).toMatchObject({
    from: "registry",
    taskTypes: ["bigquery_query_job_task", "external_model_training"],
  });
  expect(context.manifest.revision).toBeUndefined();
  expect(context.labels["io.github.flyte-connectors.from"]).toBe("registry");
  expect(context.labels["org.opencontainers.image.revision"]).toBeUndefined();
});

test("a version nobody published is an npm error that says what to check", async () => {
  const image = Image.fromDebianBase({ registry: "localhost", name: "x" }).withConnectors("bigquery@9.9.9");
  await expect(
    createContext(image, { from: "registry", cwd: repoRoot, outDir: path.join(scratch, "missing") }),
  ).rejects.toMatchObject({
    code: "npm",
    message: expect.stringMatching(/npm view @flyte-connectors\/connector-bigquery@9\.9\.9/),
  });
});
