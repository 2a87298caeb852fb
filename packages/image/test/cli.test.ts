/**
 * The `flyte-connector-image` bin, spawned as users run it (the built dist, so `npm test` builds first).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const bin = path.resolve(__dirname, "../dist/cli/main.js");
const repoRoot = path.resolve(__dirname, "../../..");

function run(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: repoRoot,
    env,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("flyte-connector-image CLI", () => {
  it("--help lists the commands, each command's --help its flags, and --version works everywhere", () => {
    const top = run(["--help"]);
    expect(top.code).toBe(0);
    for (const command of ["context", "build", "manifests"]) expect(top.stdout).toContain(command);
    const flags: Record<string, string[]> = {
      context: [
        "--connectors",
        "--registry",
        "--name",
        "--tag",
        "--base-image",
        "--from",
        "--platform",
        "--out",
      ],
      build: [
        "--connectors",
        "--registry",
        "--name",
        "--tag",
        "--base-image",
        "--builder",
        "--push",
        "--from",
        "--platform",
        "--manifests-out",
      ],
      manifests: [
        "--image",
        "--connectors",
        "--task-types",
        "--namespace",
        "--replicas",
        "--max-replicas",
        "--shutdown-grace",
        "--out",
      ],
    };
    for (const [command, expected] of Object.entries(flags)) {
      const help = run([command, "--help"]);
      expect(help.code).toBe(0);
      for (const flag of expected) expect(help.stdout).toContain(flag);
      expect(run([command, "--version"]).stdout.trim()).toBe("0.1.0");
    }
    expect(run(["--version"]).stdout.trim()).toBe("0.1.0");
  });

  it("bad flags exit 2 with a clear message", () => {
    const builder = run(["build", "--builder", "kaniko"]);
    expect(builder.code).toBe(2);
    expect(builder.stderr).toMatch(/argument 'kaniko' is invalid/);
    const platform = run(["context", "--platform", "windows/amd64"]);
    expect(platform.code).toBe(2);
    const name = run(["context", "--connectors", "bigquery", "--name", "Not A Name", "--out", os.tmpdir()]);
    expect(name.code).toBe(2);
    expect(name.stderr).toMatch(/name: "Not A Name" is not valid/);
    const unknown = run([
      "context",
      "--connectors",
      "no-such-connector-anywhere-xyz",
      "--from",
      "workspace",
      "--registry",
      "bad registry",
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/registry/);
  });

  it("with no builder on the machine, build says what to install before doing any work", () => {
    // A PATH holding node alone: no docker, podman or buildah.
    const dir = mkdtempSync(path.join(os.tmpdir(), "no-builder-"));
    try {
      symlinkSync(process.execPath, path.join(dir, "node"));
      const result = run(["build", "--connectors", "bigquery"], { ...process.env, PATH: dir });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /no container builder found \(looked for docker with a running engine, podman, buildah\)/,
      );
      expect(result.stderr).toMatch(
        /hint: install one of: Docker .*Podman or Buildah \(Debian\/Ubuntu: apt-get install buildah/,
      );
      expect(result.stderr).toMatch(/--builder none/);
      const podman = run(["build", "--connectors", "bigquery", "--builder", "podman"], {
        ...process.env,
        PATH: dir,
      });
      expect(podman.stderr).toMatch(/podman is not installed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes a connector package from a folder outside the workspace (its flyteConnector field naming the module)", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "folder-connector-"));
    try {
      const result = run([
        "context",
        "--connectors",
        "bigquery,./packages/image/test/fixtures/folder-connector",
        "--out",
        dir,
        "--quiet",
      ]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/task types bigquery_query_job_task, folder_task/);
      const manifest = JSON.parse(readFileSync(path.join(dir, "image.json"), "utf8"));
      expect(manifest.modules).toEqual([
        "@flyte-connectors/connector-bigquery",
        "./node_modules/@acme/folder-connector/connectors.js",
      ]);
      expect(manifest.packages).toEqual([
        "@acme/folder-connector@1.2.3",
        "@flyte-connectors/connector-bigquery@0.1.0",
      ]);
      expect(readFileSync(path.join(dir, "Dockerfile"), "utf8")).toContain(
        '"--modules","/app/node_modules/@acme/folder-connector/connectors.js"',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("a package that provides no connectors is a clear error", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "not-a-connector-"));
    try {
      const result = run([
        "context",
        "--connectors",
        "bigquery,./packages/image/test/fixtures/not-a-connector",
        "--out",
        dir,
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/not-a-connector \(@acme\/not-a-connector\) provides no connectors/);
      expect(result.stderr).toMatch(/hint: a connector package exports `connectors`/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
