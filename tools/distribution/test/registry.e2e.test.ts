/**
 * The shape a user gets from npm. Every public package is published by `nx release publish` to a real
 * registry (verdaccio, started here), installed from it into an empty folder outside the workspace, and
 * run there: `flyte-connector serve` discovers both connectors and answers SERVING, a model-training task
 * runs through it over gRPC against the installed `model-training-service`, and the same installed server
 * starts, answers and stops cleanly under Node 22 and 24 as well. Last, `npm init @flyte-connectors/connector`
 * from the registry writes a standalone connector project that installs, type-checks, builds, passes its
 * tests, runs its example, is listed by `flyte-connector` and gets an image context.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defaultCacheDir, hostPlatform, nodeBinary } from "@flyte-connectors/image";
import { cleanEnv } from "./support/env";
import { mustRun, Server } from "./support/processes";
import { startRegistry, type Registry } from "./support/verdaccio";
import {
  bins,
  publicPackages,
  readJson,
  repoRoot,
  workspacePackages,
  type Manifest,
} from "./support/workspace";

jest.setTimeout(15 * 60_000);

/** What a user installs: the runtime, both connectors and the image tooling. */
const INSTALLED = [
  "@flyte-connectors/runtime",
  "@flyte-connectors/connector-bigquery",
  "@flyte-connectors/connector-model-training",
  "@flyte-connectors/image",
];
/** Node.js lines besides the one running the tests; exact versions, so every run tests the same binaries. */
const OTHER_NODES = ["22.23.5", "24.22.3"];

const scratch = mkdtempSync(path.join(os.tmpdir(), "flyte-registry-e2e-"));
const app = path.join(scratch, "app");
let registry: Registry;

beforeAll(async () => {
  registry = await startRegistry(path.join(scratch, "registry"));
});

afterAll(async () => {
  await registry?.close();
  await Server.killAll();
  rmSync(scratch, { recursive: true, force: true });
});

async function packument(name: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${registry.url}${name.replace("/", "%2f")}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

// The user's own scripts, run with node in their folder: they require only what they installed.
const LIST_SCRIPT = `// Asks a connector server whether it is SERVING (grpc.health.v1) and which connectors it serves.
const grpc = require("@grpc/grpc-js");
const { ConnectorMetadataServiceClient } = require("@flyte-connectors/runtime/wire");
const address = process.argv[2];
const raw = new grpc.Client(address, grpc.credentials.createInsecure());
// HealthCheckRequest{} is empty on the wire; HealthCheckResponse{status: SERVING} is field 1 = 1.
raw.makeUnaryRequest("/grpc.health.v1.Health/Check", (b) => b, (b) => b, Buffer.alloc(0), (error, bytes) => {
  if (error) throw error;
  const health = bytes.equals(Buffer.from([8, 1])) ? "SERVING" : bytes.toString("hex");
  const client = new ConnectorMetadataServiceClient(address, grpc.credentials.createInsecure());
  client.listConnectors({}, (e, response) => {
    if (e) throw e;
    const connectors = response.connectors.map((c) => ({ name: c.name, taskTypes: c.supportedTaskCategories.map((t) => t.name) }));
    console.log(JSON.stringify({ health, connectors }));
    client.close();
    raw.close();
  });
});
`;

const EXECUTE_SCRIPT = `// Runs a model-training task through a connector server, as the Flyte backend would.
const { ModelTrainTask } = require("@flyte-connectors/connector-model-training");
const [endpoint, service] = process.argv.slice(2);
new ModelTrainTask("model_train", service)
  .execute({ epochs: 2, dataset_uri: "gs://bucket/data.csv" }, { endpoint, poll: { initialMs: 100, maxMs: 500 }, handleSignals: false })
  .then(({ results }) => console.log(JSON.stringify({ results: results.uri })));
`;

/** Starts the installed `flyte-connector serve` on a free port; resolves once it logged "ready". */
async function serve(env: NodeJS.ProcessEnv = cleanEnv()): Promise<{ server: Server; address: string }> {
  const server = new Server(
    path.join(app, "node_modules/.bin/flyte-connector"),
    ["serve", "--port", "0", "--host", "127.0.0.1", "--log-level", "info"],
    { cwd: app, env: { ...env, LOG_LEVEL: "info" } },
  );
  const [, port] = await server.waitFor(/"port":(\d+).*"msg":"ready"/);
  return { server, address: `127.0.0.1:${port}` };
}

async function listConnectors(address: string) {
  const { stdout } = await mustRun(process.execPath, ["list.cjs", address], { cwd: app, timeoutMs: 60_000 });
  return JSON.parse(stdout) as { health: string; connectors: Array<{ name: string; taskTypes: string[] }> };
}

const BOTH_CONNECTORS = [
  { name: "Bigquery Connector", taskTypes: ["bigquery_query_job_task"] },
  { name: "Model Training Connector", taskTypes: ["external_model_training"] },
];

describe("publish, install, run", () => {
  it("nx release publish puts every public workspace package on the registry, and no private one", async () => {
    await mustRun(
      path.join(repoRoot, "node_modules/.bin/nx"),
      ["release", "publish", "--registry", registry.url],
      {
        cwd: repoRoot,
        env: cleanEnv({ NPM_CONFIG_USERCONFIG: registry.userconfig }),
        timeoutMs: 600_000,
      },
    );
    const published = publicPackages();
    expect(published.map((p) => p.name)).toEqual(expect.arrayContaining(INSTALLED));
    for (const pkg of published) {
      const { status, body } = await packument(pkg.name);
      expect({ name: pkg.name, status }).toEqual({ name: pkg.name, status: 200 });
      expect(Object.keys(body.versions as object)).toEqual([pkg.version]);
    }
    for (const pkg of workspacePackages().filter((p) => p.manifest.private)) {
      expect({ name: pkg.name, status: (await packument(pkg.name)).status }).toEqual({
        name: pkg.name,
        status: 404,
      });
    }
  });

  it("installs the runtime, both connectors and the image package into an empty folder outside the workspace", async () => {
    expect(path.relative(repoRoot, app).startsWith("..")).toBe(true);
    mkdirSync(app);
    writeFileSync(
      path.join(app, "package.json"),
      JSON.stringify({ name: "user-project", version: "1.0.0", private: true }),
    );
    const runtime = readJson<Manifest>(path.join(repoRoot, "packages/runtime/package.json"));
    const specs = INSTALLED.map(
      (name) => `${name}@${publicPackages().find((p) => p.name === name)!.version}`,
    );
    // The scope comes from the local registry; everything else from npm's usual registry.
    await mustRun(
      "npm",
      [
        "install",
        `--@flyte-connectors:registry=${registry.url}`,
        ...specs,
        `@grpc/grpc-js@${runtime.dependencies!["@grpc/grpc-js"]}`,
      ],
      { cwd: app, timeoutMs: 600_000 },
    );
    const lock = readJson<{ packages: Record<string, { version: string; integrity: string }> }>(
      path.join(app, "package-lock.json"),
    );
    for (const name of INSTALLED) {
      const { body } = await packument(name);
      const latest = (body.versions as Record<string, { dist: { integrity: string } }>)[
        (body["dist-tags"] as { latest: string }).latest
      ];
      // The very tarball the registry holds, not the workspace copy.
      expect(lock.packages[`node_modules/${name}`].integrity).toBe(latest.dist.integrity);
    }
    for (const pkg of publicPackages().filter((p) => INSTALLED.includes(p.name))) {
      for (const [bin] of bins(pkg.manifest))
        expect(existsSync(path.join(app, "node_modules/.bin", bin))).toBe(true);
    }
    writeFileSync(path.join(app, "list.cjs"), LIST_SCRIPT);
    writeFileSync(path.join(app, "execute.cjs"), EXECUTE_SCRIPT);
  });

  it("`npx flyte-connector list` there finds both connectors by their flyteConnector field", async () => {
    const { stdout } = await mustRun("npx", ["--no-install", "flyte-connector", "list"], { cwd: app });
    expect(stdout).toMatch(
      /Bigquery Connector\s+bigquery_query_job_task\s+0\s+@flyte-connectors\/connector-bigquery/,
    );
    expect(stdout).toMatch(
      /Model Training Connector\s+external_model_training\s+0\s+@flyte-connectors\/connector-model-training/,
    );
  });

  it("`flyte-connector serve` there is SERVING both connectors, runs a task over gRPC, and exits 0 on SIGTERM", async () => {
    const models = path.join(scratch, "models");
    const service = new Server(
      path.join(app, "node_modules/.bin/model-training-service"),
      ["--port", "0", "--epoch-ms", "50", "--queue-ms", "10", "--log-format", "json", "--models-dir", models],
      { cwd: app },
    );
    const [, trainEndpoint] = await service.waitFor(/"endpoint":"(http:\/\/127\.0\.0\.1:\d+\/train)"/);
    const { server, address } = await serve();

    expect(await listConnectors(address)).toEqual({ health: "SERVING", connectors: BOTH_CONNECTORS });

    const { stdout } = await mustRun(process.execPath, ["execute.cjs", address, trainEndpoint], {
      cwd: app,
      timeoutMs: 120_000,
    });
    const { results } = JSON.parse(stdout.trim().split("\n").pop()!) as { results: string };
    const model = JSON.parse(readFileSync(fileURLToPath(results), "utf8")) as Record<string, unknown>;
    expect(path.dirname(fileURLToPath(results))).toBe(models);
    expect(model).toMatchObject({ epochs: 2, dataset_uri: "gs://bucket/data.csv" });
    // The server, not the script, made the calls: its log has the connector's create.
    expect(server.lines.join("\n")).toMatch(/"msg":"training job submitted"/);

    expect(await server.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    expect(await service.stop("SIGTERM")).toEqual({ code: 0, signal: null });
  });

  it.each(OTHER_NODES)(
    "under Node %s the installed server starts, answers ListConnectors, and exits 0 on SIGTERM",
    async (version) => {
      const node = await nodeBinary(version, hostPlatform()!, defaultCacheDir()).catch((error: Error) => {
        throw new Error(
          `Node.js ${version} is needed from the npm package node-linux-${process.arch}: ${error.message}`,
        );
      });
      // The bin's `#!/usr/bin/env node` finds that Node first on PATH, as it would on a machine with only it.
      const env = cleanEnv({ PATH: `${path.dirname(node.node)}${path.delimiter}${process.env.PATH}` });
      const { server, address } = await serve(env);
      expect(readlinkSync(`/proc/${server.child.pid}/exe`)).toBe(node.node);
      expect(await listConnectors(address)).toEqual({ health: "SERVING", connectors: BOTH_CONNECTORS });
      expect(await server.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    },
  );
});

describe("npm init @flyte-connectors/connector, from the registry", () => {
  const project = path.join(scratch, "acme-connector");
  const npm = (args: string[], cwd = project) =>
    mustRun("npm", args, { cwd, env: cleanEnv(), timeoutMs: 600_000 });

  it("creates a standalone connector package in a new folder", async () => {
    const version = publicPackages().find((p) => p.name === "@flyte-connectors/create-connector")!.version;
    const { stdout } = await npm(
      // The scope from the local registry; everything else from npm's usual one.
      [
        "init",
        `--@flyte-connectors:registry=${registry.url}`,
        // npm exec keeps what it ran by name and version: a cache of this run's own, or it could run the
        // create-connector of an earlier run (same version, other content).
        `--cache=${path.join(scratch, "npm-init-cache")}`,
        `@flyte-connectors/connector@${version}`,
        "--yes",
        "acme-connector",
      ],
      scratch,
    );
    expect(stdout).toMatch(/Created acme-connector in acme-connector: the Acme Connector, task type "acme"/);
    expect(readJson<Manifest>(path.join(project, "package.json"))).toMatchObject({
      name: "acme-connector",
      flyteConnector: true,
    });
    // From here on the project's .npmrc says so, as a private registry's user has it (the image's staging
    // install reads it too; an environment variable would not survive npm scripts' shell).
    writeFileSync(path.join(project, ".npmrc"), `@flyte-connectors:registry=${registry.url}\n`);
  });

  it("installs from the registry, type-checks, builds and passes its tests unchanged", async () => {
    await npm(["install", "--no-audit", "--no-fund"]);
    await npm(["run", "typecheck"]);
    await npm(["run", "build"]);
    const tests = await npm(["test"]);
    expect(tests.stdout + tests.stderr).toMatch(/Tests:\s+18 passed, 18 total/);
  });

  it("its example runs a task; flyte-connector serves it; flyte-connector-image writes its image context", async () => {
    const example = await npm(["run", "--silent", "example", "--", "hello"]);
    expect(example.stdout.trim()).toBe("HELLO");
    const listed = await mustRun("npx", ["--no-install", "flyte-connector", "list", "--modules", "."], {
      cwd: project,
      env: cleanEnv(),
    });
    expect(listed.stdout).toMatch(/Acme Connector\s+acme\s+0\s+\./);
    // The context only (no container builder needed): the package and its published dependencies.
    const context = path.join(scratch, "acme-image");
    await npm(["run", "image", "--", "--builder", "none", "--out", context, "--quiet"]);
    const dockerfile = readFileSync(path.join(context, "Dockerfile"), "utf8");
    expect(dockerfile).toMatch(/serve.*--modules.*acme-connector/);
  });
});
