import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { connectorNames } from "./names";

/** Where a connector goes: a package of this monorepo, or a standalone npm package. */
export type Layout = "workspace" | "standalone";

export interface RenderOptions {
  /** The connector name, kebab-case (`acme`, `acme-jobs`). */
  name: string;
  layout: Layout;
  /** The npm package name. Default `connector-<name>` (standalone), `@flyte-connectors/connector-<name>` (workspace). */
  packageName?: string;
  /** The package's folder relative to the repository root, for `repository.directory`. Workspace only; default `packages/connector-<name>`. */
  directory?: string;
  /**
   * Version ranges of packages the generated package.json names, over the defaults: this package's own
   * dependencies and devDependencies, which `nx release` keeps at the current releases.
   */
  versions?: Readonly<Record<string, string>>;
}

/** One generated file: its path relative to the package folder, and its text. */
export interface RenderedFile {
  readonly path: string;
  readonly content: string;
}

/** The package root: the templates and LICENSE sit beside `dist/` (and `src/`). */
const PACKAGE_ROOT = path.resolve(__dirname, "..");
const TEMPLATES = path.join(PACKAGE_ROOT, "template");

function templateFiles(dir: string, prefix = ""): string[] {
  return readdirSync(path.join(TEMPLATES, dir, prefix), { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? templateFiles(dir, path.posix.join(prefix, entry.name))
        : entry.name.endsWith(".tmpl")
          ? [path.posix.join(prefix, entry.name)]
          : [],
    )
    .sort();
}

function ownVersions(): Record<string, string> {
  const manifest = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  return { ...manifest.dependencies, ...manifest.devDependencies };
}

function commands(layout: Layout, packageName: string, directory: string, name: string): string {
  if (layout === "workspace") {
    return [
      "From the repository root:",
      "",
      "```sh",
      `npx nx test ${packageName}                       # the conformance suite and the connector's own tests`,
      `npx nx build ${packageName}`,
      `npx tsx ${directory}/examples/run.ts "hello"          # one task, in process, against the fake: prints HELLO`,
      `npx flyte-connector serve --modules ${packageName}    # the gRPC server the Flyte backend calls, on :8000`,
      `npx flyte-connector-image build --connectors ${name}  # its container image`,
      "```",
    ].join("\n");
  }
  return [
    "In this folder:",
    "",
    "```sh",
    "npm install",
    "npm test                       # the conformance suite and the connector's own tests",
    'npm run example -- "hello"     # one task, in process, against the fake: prints HELLO',
    "npm run serve                  # builds, then the gRPC server the Flyte backend calls, on :8000",
    "npm run image -- --registry ghcr.io/acme --push   # builds its container image and pushes it",
    "```",
    "",
    "`npm publish` builds first (`prepack`). The image serves this package; see `flyte-connector-image build",
    "--help` for the builder, tag and Node.js version.",
  ].join("\n");
}

/**
 * The files of a new connector package: connector, task class, README, tests on the conformance kit, a
 * fake of the external service, an example, and the package's build and test setup for `layout`.
 *
 * @throws Error for an invalid name, or a version missing for a package the template names.
 */
export function renderConnector(options: RenderOptions): RenderedFile[] {
  const names = connectorNames(options.name);
  const packageName =
    options.packageName ??
    (options.layout === "workspace"
      ? `@flyte-connectors/connector-${names.name}`
      : `connector-${names.name}`);
  const directory = options.directory ?? `packages/connector-${names.name}`;
  const versions = { ...ownVersions(), ...options.versions };
  const replacements: Array<[RegExp, (...groups: string[]) => string]> = [
    [/__v:([^_\s"]+)__/g, (dependency) => versionOf(dependency)],
    [/__COMMANDS__/g, () => commands(options.layout, packageName, directory, names.name)],
    [/__package__/g, () => packageName],
    [/__directory__/g, () => directory],
    [/__Name__/g, () => names.className],
    [/__name__/g, () => names.name],
    [/__task_type__/g, () => names.taskType],
    [/__Title__/g, () => names.title],
    [/__ENV__/g, () => names.envPrefix],
  ];
  function versionOf(dependency: string): string {
    const range = versions[dependency];
    if (!range) throw new Error(`no version given for ${dependency}, which the template depends on`);
    return range;
  }
  const render = (text: string) =>
    replacements.reduce(
      (out, [pattern, value]) => out.replace(pattern, (_m, ...groups: string[]) => value(...groups)),
      text,
    );

  const files: RenderedFile[] = [];
  for (const dir of ["common", options.layout]) {
    for (const file of templateFiles(dir)) {
      const target = file.replace(/\.tmpl$/, "").replace(/^gitignore$/, ".gitignore");
      files.push({ path: target, content: render(readFileSync(path.join(TEMPLATES, dir, file), "utf8")) });
    }
  }
  files.push({ path: "LICENSE", content: readFileSync(path.join(PACKAGE_ROOT, "LICENSE"), "utf8") });
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
