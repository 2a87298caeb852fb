/**
 * The GitHub workflows: valid by @action-validator/cli's schema, and everything they call exists here —
 * every `npm run` script in package.json, every nx target in some project (`nx show projects
 * --with-target`), every `flyte-connector-image` command and flag in its `--help`, every file `bash` runs.
 * Also what each workflow is for: CI on Node 20/22/24 with codegen freshness, publishing with provenance,
 * and one image per connector plus the bundle.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { mustRun, run } from "./support/processes";
import { readJson, repoRoot, workspacePackages } from "./support/workspace";

jest.setTimeout(5 * 60_000);

const workflowsDir = path.join(repoRoot, ".github/workflows");
const files = readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f));

interface Step {
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}
interface Job {
  steps: Step[];
  strategy?: { matrix?: Record<string, unknown[]> };
  permissions?: Record<string, string>;
  env?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
  permissions?: Record<string, string>;
}

const workflows = Object.fromEntries(
  files.map((f) => [f, parse(readFileSync(path.join(workflowsDir, f), "utf8")) as Workflow]),
);

/** Shell words of one `run:` block, split into simple commands; `${{ ... }}` expressions become `EXPR`. */
function commands(script: string): string[][] {
  const text = script.replace(/\$\{\{[^}]*\}\}/g, "EXPR");
  const result: string[][] = [];
  let words: string[] = [];
  let word = "";
  let quote = "";
  const endWord = () => {
    if (word) words.push(word);
    word = "";
  };
  const endCommand = () => {
    endWord();
    if (words.length) result.push(words);
    words = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = "";
      else word += c;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "\\" && text[i + 1] === "\n") i++;
    else if (c === "\n" || c === ";" || c === "|" || c === "&") endCommand();
    else if (c === " " || c === "\t") endWord();
    else word += c;
  }
  endCommand();
  return result;
}

/** Every command of every `run:` step, with where it comes from; `npx` and `npx --no-install` dropped. */
const allCommands = files.flatMap((file) =>
  Object.entries(workflows[file].jobs).flatMap(([job, { steps }]) =>
    steps
      .filter((s) => s.run)
      .flatMap((s) => commands(s.run!))
      .map((words) => {
        while (words[0] === "npx" || words[0]?.startsWith("--")) words = words.slice(1);
        return { where: `${file} ${job}`, words };
      }),
  ),
);

const rootScripts = readJson<{ scripts: Record<string, string> }>(
  path.join(repoRoot, "package.json"),
).scripts;

describe(".github/workflows", () => {
  it("has the ci, release and images workflows", () => {
    expect(files.sort()).toEqual(expect.arrayContaining(["ci.yml", "images.yml", "release.yml"]));
  });

  it.each(files)("%s is valid by @action-validator/cli", async (file) => {
    const result = await run("npx", ["--no-install", "action-validator", path.join(workflowsDir, file)], {
      cwd: repoRoot,
    });
    expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 0, output: "" });
  });

  it("every npm script they run exists in package.json", () => {
    const missing: string[] = [];
    for (const { where, words } of allCommands.filter((c) => c.words[0] === "npm")) {
      const script =
        words[1] === "run" ? words[2] : ["test", "start"].includes(words[1]) ? words[1] : undefined;
      if (script !== undefined && !rootScripts[script])
        missing.push(`${where}: npm ${words.slice(1).join(" ")}`);
      else if (script === undefined && !["ci", "install"].includes(words[1]))
        missing.push(`${where}: npm ${words[1]} is not a command these checks know`);
    }
    expect(missing).toEqual([]);
  });

  it("every nx target they run exists in at least one project", async () => {
    const targets = new Set<string>();
    for (const { words } of allCommands.filter((c) => c.words[0] === "nx")) {
      for (let i = 1; i < words.length; i++) {
        const flag = /^(-t|--targets?)(=(.*))?$/.exec(words[i]);
        if (!flag) continue;
        if (flag[3]) flag[3].split(",").forEach((t) => targets.add(t));
        else for (let j = i + 1; j < words.length && !words[j].startsWith("-"); j++) targets.add(words[j]);
      }
      if (words[1] === "run" && words[2]?.includes(":")) targets.add(words[2].split(":")[1]);
    }
    expect([...targets].sort()).toEqual(expect.arrayContaining(["build", "lint", "test", "typecheck"]));
    for (const target of targets) {
      const { stdout } = await mustRun(
        path.join(repoRoot, "node_modules/.bin/nx"),
        ["show", "projects", "--with-target", target, "--json"],
        { cwd: repoRoot },
      );
      expect({ target, projects: (JSON.parse(stdout) as string[]).length > 0 }).toEqual({
        target,
        projects: true,
      });
    }
  });

  it("every flyte-connector-image command and flag they use is in its --help", async () => {
    const uses = allCommands.filter((c) => c.words[0] === "flyte-connector-image");
    expect(uses.length).toBeGreaterThan(0);
    const bin = path.join(repoRoot, "node_modules/.bin/flyte-connector-image");
    const top = (await mustRun(bin, ["--help"], { cwd: repoRoot })).stdout;
    for (const { where, words } of uses) {
      const command = words[1];
      expect({ where, command, listed: new RegExp(`^\\s+${command} `, "m").test(top) }).toEqual({
        where,
        command,
        listed: true,
      });
      const help = (await mustRun(bin, [command, "--help"], { cwd: repoRoot })).stdout;
      for (const flag of words.filter((w) => w.startsWith("--")).map((w) => w.split("=")[0])) {
        expect({ where, flag, listed: new RegExp(`(^|[\\s,])${flag}([\\s,]|$)`, "m").test(help) }).toEqual({
          where,
          flag,
          listed: true,
        });
      }
    }
  });

  it("every file they run with bash exists", () => {
    for (const { words } of allCommands.filter((c) => c.words[0] === "bash"))
      expect(existsSync(path.join(repoRoot, words[1]))).toBe(true);
  });
});

describe("what each workflow does", () => {
  it("ci: npm ci, then nx affected lint/typecheck/test/build and the codegen check, on Node 20, 22 and 24", () => {
    const jobs = Object.values(workflows["ci.yml"].jobs);
    const runs = jobs.flatMap((j) => j.steps.map((s) => s.run ?? "")).join("\n");
    expect(runs).toMatch(/^npm ci$/m);
    for (const target of ["lint", "typecheck", "test", "build"])
      expect(runs).toMatch(new RegExp(`nx affected -t .*\\b${target}\\b`));
    expect(runs).toMatch(/^npm run proto:check$/m);
    expect(jobs.flatMap((j) => j.strategy?.matrix?.node ?? [])).toEqual([20, 22, 24]);
    // The fetch depth nx affected needs to find its base commit.
    expect(jobs.flatMap((j) => j.steps).find((s) => s.uses?.startsWith("actions/checkout"))?.with).toEqual({
      "fetch-depth": 0,
    });
  });

  it("release: nx release publish with npm provenance, on release tags or by hand", () => {
    const workflow = workflows["release.yml"];
    expect(Object.keys(workflow.on).sort()).toEqual(["push", "workflow_dispatch"]);
    expect((workflow.on.push as { tags: string[] }).tags).toEqual(["@flyte-connectors/*@*"]);
    // Provenance needs the OIDC token and npm's flag.
    expect(workflow.permissions).toMatchObject({ "id-token": "write" });
    const publish = Object.values(workflow.jobs)
      .flatMap((j) => j.steps)
      .find((s) => s.run?.includes("nx release publish"));
    expect(publish?.env).toMatchObject({
      NPM_CONFIG_PROVENANCE: "true",
      NODE_AUTH_TOKEN: expect.any(String),
    });
    // The tags it runs on are the ones nx release makes.
    const nx = readJson<{ release: { releaseTag: { pattern: string } } }>(path.join(repoRoot, "nx.json"));
    expect(nx.release.releaseTag.pattern).toBe("{projectName}@{version}");
  });

  it("images: one image per connector package in the workspace, plus the bundle of all", () => {
    const connectors = workspacePackages()
      .filter((p) => p.manifest.flyteConnector !== undefined && !p.manifest.private)
      .map((p) => p.name.replace(/^@flyte-connectors\/connector-/, ""));
    const matrix = Object.values(workflows["images.yml"].jobs).flatMap(
      (j) => j.strategy?.matrix?.connectors ?? [],
    );
    expect([...matrix].sort()).toEqual([...connectors, "all"].sort());
    const build = allCommands.find(
      (c) => c.where.startsWith("images.yml") && c.words[0] === "flyte-connector-image",
    );
    expect(build?.words.slice(0, 2)).toEqual(["flyte-connector-image", "build"]);
    expect(build?.words).toEqual(expect.arrayContaining(["--connectors", "EXPR", "--push"]));
  });
});
