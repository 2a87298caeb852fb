/**
 * What `npm publish` would upload, package by package: each public package packed as npm packs it
 * (lifecycle scripts included), then its contents checked, and `publint` and `@arethetypeswrong/cli`
 * run on the tarball itself. Packages with nothing to offer must be private.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { cleanEnv } from "./support/env";
import { mustRun, run } from "./support/processes";
import {
  bins,
  publicPackages,
  repoRoot,
  workspacePackages,
  type WorkspacePackage,
} from "./support/workspace";

jest.setTimeout(5 * 60_000);

const scratch = mkdtempSync(path.join(os.tmpdir(), "flyte-packages-"));
const packages = publicPackages();
const tarballs = new Map<string, string>();

beforeAll(async () => {
  const { stdout } = await mustRun(
    "npm",
    ["pack", ...packages.map((p) => p.dir), "--pack-destination", scratch, "--json", "--silent"],
    { cwd: repoRoot },
  );
  for (const packed of JSON.parse(stdout) as Array<{ name: string; filename: string }>) {
    tarballs.set(packed.name, path.join(scratch, packed.filename));
  }
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Paths in the tarball, without the leading `package/`. */
function entries(tarball: string): string[] {
  return execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .map((e) => e.replace(/^package\//, ""));
}

function fileIn(tarball: string, entry: string): Buffer {
  return execFileSync("tar", ["-xzOf", tarball, `package/${entry}`], { maxBuffer: 64 << 20 });
}

/** Every file an `exports` map (or `main`/`types`) points at, for the default and types conditions. */
function exportTargets(pkg: WorkspacePackage): string[] {
  const targets = new Set<string>();
  const visit = (value: unknown, condition?: string) => {
    if (typeof value === "string") {
      // The source condition is for this workspace's own tools; it points into src/, which ships too.
      if (condition !== "@flyte-connectors/source") targets.add(path.posix.normalize(value));
    } else if (value && typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) visit(inner, key.startsWith(".") ? undefined : key);
    }
  };
  visit(pkg.manifest.exports);
  if (pkg.manifest.main) targets.add(path.posix.normalize(pkg.manifest.main));
  return [...targets];
}

describe.each(packages.map((p) => [p.name, p] as const))("%s as published", (name, pkg) => {
  it("carries the repository's LICENSE, its README and the files its manifest points at", () => {
    const tarball = tarballs.get(name)!;
    const files = entries(tarball);
    expect(fileIn(tarball, "LICENSE").equals(readFileSync(path.join(repoRoot, "LICENSE")))).toBe(true);
    expect(files).toContain("README.md");
    for (const target of exportTargets(pkg)) expect(files).toContain(target);
    for (const [bin, target] of bins(pkg.manifest)) {
      const file = path.posix.normalize(target);
      expect({ bin, present: files.includes(file) }).toEqual({ bin, present: true });
      expect(fileIn(tarball, file).toString("utf8")).toMatch(/^#!\/usr\/bin\/env node\n/);
    }
  });

  it("carries no tests, test config, build info or TypeScript project files", () => {
    // Templates (`*.tmpl`, create-connector's) are what the package writes for its users: tests and
    // configs among them are content, not this package's own.
    const unwanted = entries(tarballs.get(name)!).filter(
      (f) =>
        (!f.endsWith(".tmpl") && /(^|\/)(test|tests|__tests__|fixtures|coverage|out-tsc)\//.test(f)) ||
        /\.(test|spec)\.[cm]?[jt]s$/.test(f) ||
        /\.tsbuildinfo$/.test(f) ||
        /(^|\/)(jest\.config\.[cm]?js|tsconfig[^/]*\.json|eslint\.config\.[cm]?js)$/.test(f),
    );
    expect(unwanted).toEqual([]);
  });

  it("passes publint with nothing to report", async () => {
    const result = await run("npx", ["--no-install", "publint", "run", tarballs.get(name)!], {
      cwd: repoRoot,
    });
    expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({
      code: 0,
      output: expect.stringContaining("All good!"),
    });
  });

  it("passes @arethetypeswrong/cli for every entry point and module resolution", async () => {
    const result = await run("npx", ["--no-install", "attw", tarballs.get(name)!, "--format", "json"], {
      cwd: repoRoot,
      env: cleanEnv({ FORCE_COLOR: "0" }),
    });
    const report = JSON.parse(result.stdout) as { problems?: unknown[] | Record<string, unknown> };
    const problems = Array.isArray(report.problems) ? report.problems : Object.values(report.problems ?? {});
    expect({ code: result.code, problems }).toEqual({ code: 0, problems: [] });
  });
});

describe("packages with nothing to offer", () => {
  // A package's main export only names itself (the scaffold's `PACKAGE_NAME`) and it has no bin: publishing
  // it would put an empty package on npm, so it must stay private until it has content.
  it.each(
    workspacePackages()
      .filter((p) => p.dir.startsWith(path.join(repoRoot, "packages")))
      .map((p) => [p.name, p] as const),
  )("%s is private or exports something", (_name, pkg) => {
    const exported = execFileSync(
      process.execPath,
      ["-e", `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(pkg.dir)}))))`],
      { encoding: "utf8", env: cleanEnv() },
    );
    const offers =
      (JSON.parse(exported) as string[]).filter((k) => k !== "PACKAGE_NAME").length > 0 ||
      bins(pkg.manifest).length > 0;
    expect({ offers, private: pkg.manifest.private === true }).not.toEqual({ offers: false, private: false });
  });
});
