/**
 * `create-connector` (what `npm init @flyte-connectors/connector` runs), spawned from its bin as npm runs
 * it. The project it writes is then type-checked and its tests run (the kit and runtime from this
 * workspace's node_modules, linked in; tools/distribution installs it all from a real registry instead).
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";

const bin = path.resolve(__dirname, "../bin/create-connector.js");
const repoRoot = path.resolve(__dirname, "../../..");
const scratch = mkdtempSync(path.join(os.tmpdir(), "create-connector-"));

function run(command: string, args: string[], cwd = scratch) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, FORCE_COLOR: "0" },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
const create = (...args: string[]) => run(process.execPath, [bin, ...args]);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("create-connector", () => {
  it("--help and --version", () => {
    const help = create("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: create-connector \[options\] <directory>/);
    for (const flag of ["--name", "--package-name", "--force", "--version"])
      expect(help.stdout).toContain(flag);
    const version = create("--version");
    expect(version).toMatchObject({
      code: 0,
      stdout: `${JSON.parse(readFileSync(path.join(__dirname, "../package.json"), "utf8")).version}\n`,
    });
  });

  it("usage mistakes exit 2; a bad name or a folder in use exit 1, saying what to do", () => {
    expect(create().code).toBe(2);
    expect(create("x", "--bogus").code).toBe(2);
    const badName = create("Acme_Connector");
    expect(badName.code).toBe(1);
    expect(badName.stderr).toMatch(/create-connector: "Acme_Connector" is not a connector name/);
    const badPackage = create("acme", "--package-name", "Not Valid");
    expect(badPackage.code).toBe(1);
    expect(badPackage.stderr).toMatch(/"Not Valid" is not a valid npm package name/);
    mkdirSync(path.join(scratch, "in-use"));
    writeFileSync(path.join(scratch, "in-use/notes.txt"), "mine");
    const inUse = create("in-use", "--name", "acme");
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toMatch(/in-use is not empty; choose a new directory, or pass --force/);
    expect(readFileSync(path.join(scratch, "in-use/notes.txt"), "utf8")).toBe("mine");
    expect(existsSync(path.join(scratch, "in-use/package.json"))).toBe(false);
  });

  it("writes a standalone package named after the folder, and says what to run next", () => {
    const created = create("acme-connector");
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(
      /Created acme-connector in acme-connector: the Acme Connector, task type "acme"/,
    );
    expect(created.stdout).toMatch(/cd acme-connector\n\s+npm install\n\s+npm test/);
    const pkg = JSON.parse(readFileSync(path.join(scratch, "acme-connector/package.json"), "utf8"));
    expect(pkg).toMatchObject({ name: "acme-connector", flyteConnector: true });
    expect(readFileSync(path.join(scratch, "acme-connector/.gitignore"), "utf8")).toContain("node_modules/");
  });

  it("the project it writes type-checks, builds, and passes its own tests unchanged", () => {
    const project = path.join(scratch, "acme-connector");
    symlinkSync(path.join(repoRoot, "node_modules"), path.join(project, "node_modules"));
    const typecheck = run(
      process.execPath,
      [path.join(repoRoot, "node_modules/typescript/bin/tsc"), "--noEmit"],
      project,
    );
    expect({ code: typecheck.code, output: typecheck.stdout + typecheck.stderr }).toEqual({
      code: 0,
      output: "",
    });
    const build = run(
      process.execPath,
      [path.join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
      project,
    );
    expect(build.code).toBe(0);
    expect(existsSync(path.join(project, "dist/index.js"))).toBe(true);
    const tests = run(
      process.execPath,
      [path.join(repoRoot, "node_modules/jest/bin/jest.js"), "--ci"],
      project,
    );
    expect({ code: tests.code, summary: /Tests:.*/.exec(tests.stderr)?.[0] }).toEqual({
      code: 0,
      summary: "Tests:       18 passed, 18 total",
    });
  });
});
