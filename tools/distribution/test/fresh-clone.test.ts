/**
 * A fresh clone of this repository's HEAD (committed files only, with the modes git records), set up as
 * the README says: `npm ci`, then `npm run build`. Every bin a package declares — the CLIs the READMEs
 * show — runs through `npx --no-install` and never reaches a registry: before the build it says to build
 * first, after it answers `--version` and `--help`, and it still does after a clean rebuild. Then
 * `npm run release` in the clone previews a release and changes nothing. Last, `nx g
 * @flyte-connectors/workspace-plugin:connector` adds a connector that builds, lints and passes its tests.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { cleanEnv } from "./support/env";
import { mustRun, run } from "./support/processes";
import { bins, readJson, repoRoot, workspacePackages, type Manifest } from "./support/workspace";

jest.setTimeout(20 * 60_000);

const scratch = mkdtempSync(path.join(os.tmpdir(), "flyte-fresh-clone-"));
const clone = path.join(scratch, "repo");
/** Every bin of every workspace package, with the package that declares it. */
const allBins = workspacePackages().flatMap((p) =>
  bins(p.manifest).map(([bin, target]) => ({
    bin,
    target,
    pkg: p,
    dir: path.join(clone, path.relative(repoRoot, p.dir)),
  })),
);
// A registry that cannot answer: were npx to look a bin up remotely, it would fail here instead of
// fetching a stranger's package of the same name.
const noRegistry = cleanEnv({ npm_config_registry: "http://127.0.0.1:9/" });

beforeAll(async () => {
  const head = (await mustRun("git", ["rev-parse", "HEAD"], { cwd: repoRoot })).stdout.trim();
  await mustRun("git", ["clone", "--quiet", "--no-checkout", repoRoot, clone], { cwd: scratch });
  await mustRun("git", ["checkout", "--quiet", head], { cwd: clone });
  await mustRun("npm", ["ci", "--prefer-offline"], { cwd: clone, timeoutMs: 15 * 60_000 });
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function npx(bin: string, ...args: string[]) {
  return run("npx", ["--no-install", bin, ...args], { cwd: clone, env: noRegistry, timeoutMs: 120_000 });
}

/** Every bin answers --version with its package's version and --help with its usage; nothing fetched. */
async function expectBinsWork() {
  for (const { bin, pkg } of allBins) {
    const version = await npx(bin, "--version");
    expect({ bin, code: version.code, stdout: version.stdout.trim() }).toEqual({
      bin,
      code: 0,
      stdout: pkg.version,
    });
    const help = await npx(bin, "--help");
    expect({ bin, code: help.code }).toEqual({ bin, code: 0 });
    expect(help.stdout).toContain(`Usage: ${bin}`);
  }
}

describe("the CLIs in a fresh clone", () => {
  it("every bin the READMEs run with npx is declared by a workspace package or a root dev dependency", () => {
    const readmes = [
      "README.md",
      ...readdirSync(path.join(repoRoot, "packages")).map((p) => `packages/${p}/README.md`),
    ];
    const advertised = new Set<string>();
    for (const readme of readmes.filter((r) => existsSync(path.join(repoRoot, r)))) {
      for (const [, bin] of readFileSync(path.join(repoRoot, readme), "utf8").matchAll(
        /\bnpx (?:--\S+ )*([a-z][\w.-]*)/g,
      ))
        advertised.add(bin);
    }
    const root = readJson<{ devDependencies: Record<string, string> }>(path.join(repoRoot, "package.json"));
    const devBins = Object.keys(root.devDependencies).flatMap((dep) =>
      bins(readJson<Manifest>(path.join(repoRoot, "node_modules", dep, "package.json"))).map(([b]) => b),
    );
    const known = new Set([...allBins.map((b) => b.bin), ...devBins]);
    expect([...advertised].filter((b) => !known.has(b))).toEqual([]);
    for (const cli of [
      "flyte-connector",
      "flyte-connector-image",
      "bigquery-emulator",
      "model-training-service",
    ])
      expect(advertised).toContain(cli);
  });

  it("after npm ci, before any build: every bin is linked, and says to build first", async () => {
    for (const { bin, dir, target } of allBins) {
      expect({ bin, linked: existsSync(path.join(clone, "node_modules/.bin", bin)) }).toEqual({
        bin,
        linked: true,
      });
      expect(existsSync(path.join(dir, "dist"))).toBe(false);
      // Committed with its executable bit, so git gives it to every clone.
      expect(statSync(path.join(dir, target)).mode & 0o111).toBe(0o111);
      const result = await npx(bin, "--version");
      expect({ bin, code: result.code }).toEqual({ bin, code: 1 });
      expect(result.stderr).toContain(`${bin}: ${path.join(dir, "dist")}`);
      expect(result.stderr).toContain("build first (npm run build");
      expect(result.stderr).not.toMatch(/E404|ECONNREFUSED|404 Not Found/);
    }
  });

  it("after npm run build: every bin answers --version and --help", async () => {
    await mustRun("npm", ["run", "build"], { cwd: clone, timeoutMs: 15 * 60_000 });
    await expectBinsWork();
  });

  it("after a clean rebuild (dist removed, no cache): they still do", async () => {
    for (const { dir } of allBins) rmSync(path.join(dir, "dist"), { recursive: true, force: true });
    await mustRun("npm", ["run", "build", "--", "--skip-nx-cache"], { cwd: clone, timeoutMs: 15 * 60_000 });
    await expectBinsWork();
  });
});

describe("npm run release in the clone", () => {
  it("previews the next versions from conventional commits and changes nothing", async () => {
    // A feature in the runtime since the last release: the runtime gets a new version (Nx bumps 0.x
    // versions one step down: a feature makes a patch), the packages depending on it a patch, with their
    // range raised to the new version, and a changelog entry.
    writeFileSync(path.join(clone, "packages/runtime/README.md"), "\nA change.\n", { flag: "a" });
    const git = (...args: string[]) =>
      mustRun("git", ["-c", "user.name=Release Test", "-c", "user.email=release@test.invalid", ...args], {
        cwd: clone,
      });
    await git("commit", "--quiet", "-am", "feat(runtime): something new");
    const head = (await git("rev-parse", "HEAD")).stdout;
    const before = readJson<Manifest>(path.join(clone, "packages/runtime/package.json")).version;

    const { stdout: raw } = await mustRun("npm", ["run", "release"], {
      cwd: clone,
      env: cleanEnv(),
      timeoutMs: 300_000,
    });
    const stdout = stripVTControlCharacters(raw);
    const next = /New version (\S+) written to manifest: packages\/runtime\/package\.json/.exec(stdout)?.[1];
    expect(next).toBeDefined();
    expect(next).not.toBe(before);
    expect(stdout).toContain(`"@flyte-connectors/runtime": "^${next}"`);
    expect(stdout).toContain(
      `Previewing an entry in packages/runtime/CHANGELOG.md for @flyte-connectors/runtime@${next}`,
    );
    expect(stdout).toContain("- **runtime:** something new");
    expect(stdout).toMatch(/A preview: nothing was changed/);

    expect((await git("status", "--porcelain")).stdout).toBe("");
    expect((await git("rev-parse", "HEAD")).stdout).toBe(head);
    expect((await git("tag", "--list")).stdout).toBe("");
  });
});

describe("a new connector in the clone, in one command", () => {
  const pkg = "@flyte-connectors/connector-acme-jobs";
  const dir = path.join(clone, "packages/connector-acme-jobs");
  const nx = (...args: string[]) =>
    mustRun(path.join(clone, "node_modules/.bin/nx"), args, {
      cwd: clone,
      env: cleanEnv(),
      timeoutMs: 600_000,
    });

  it("nx g @flyte-connectors/workspace-plugin:connector writes the package and links it (npm install)", async () => {
    const { stdout } = await nx(
      "g",
      "@flyte-connectors/workspace-plugin:connector",
      "acme-jobs",
      "--no-interactive",
    );
    expect(stripVTControlCharacters(stdout)).toMatch(
      /CREATE packages\/connector-acme-jobs\/src\/connector\.ts/,
    );
    expect(readJson<Manifest>(path.join(dir, "package.json")).name).toBe(pkg);
    // Linked into node_modules and recorded in the lockfile, so `npm ci` keeps working.
    expect(existsSync(path.join(clone, "node_modules", pkg, "package.json"))).toBe(true);
    const lock = readJson<{ packages: Record<string, unknown> }>(path.join(clone, "package-lock.json"));
    expect(lock.packages["packages/connector-acme-jobs"]).toBeDefined();
    // Nothing for `nx sync` to add: the generator wrote the tsconfig references it would.
    await nx("sync:check");
  });

  it("it builds, lints, type-checks and passes its tests unchanged", async () => {
    const result = await nx(
      "run-many",
      "-t",
      "build",
      "lint",
      "typecheck",
      "test",
      "-p",
      pkg,
      "--output-style=static",
    );
    const text = stripVTControlCharacters(result.stdout + result.stderr);
    expect(text).toMatch(
      /Successfully ran targets build, lint, typecheck, test for project @flyte-connectors\/connector-acme-jobs/,
    );
    expect(text).toMatch(/Tests:\s+18 passed, 18 total/);
  });

  it("its example runs a task against its fake, and flyte-connector finds it", async () => {
    const example = await mustRun(
      "npx",
      ["--no-install", "tsx", "packages/connector-acme-jobs/examples/run.ts", "hello"],
      {
        cwd: clone,
        env: noRegistry,
        timeoutMs: 120_000,
      },
    );
    expect(example.stdout.trim()).toBe("HELLO");
    const listed = await mustRun("npx", ["--no-install", "flyte-connector", "list"], {
      cwd: clone,
      env: noRegistry,
    });
    expect(listed.stdout).toMatch(
      /Acme Jobs Connector\s+acme_jobs\s+0\s+@flyte-connectors\/connector-acme-jobs/,
    );
  });
});
