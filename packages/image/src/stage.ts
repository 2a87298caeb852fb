import { copyFileSync, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ImageError } from "./errors";
import { npmArch, type Platform } from "./node-binary";
import { run } from "./run";
import {
  CONNECTOR_FIELD,
  findWorkspacePackage,
  readManifest,
  workspaceClosure,
  type PackageManifest,
  type Workspace,
  type WorkspacePackage,
} from "./workspace";

/** Where packages come from: the workspace as it is now (packed), or exact published versions. */
export type PackageSource = "workspace" | "registry";

export const RUNTIME_PACKAGE = "@flyte-connectors/runtime";

/** A package to install, as resolved from what the user named. */
export interface ResolvedPackage {
  /** What the user wrote. */
  request: string;
  name: string;
  /** Exact version, once known (after install for tarballs). */
  version: string;
  /** The dependency spec written to the staging package.json. */
  install: string;
  /** How it was obtained. */
  origin: "workspace" | "registry" | "local";
}

export interface StageRequest {
  workspace?: Workspace;
  from: PackageSource;
  connectors: readonly string[];
  npmPackages: readonly string[];
  platform: Platform;
  /** Folder to work in: `tarballs/` and `app/` (package.json, node_modules) are created in it. */
  workDir: string;
  /** Folder relative paths in specs are resolved from. Default process.cwd(). */
  cwd?: string;
  onLine?: (line: string) => void;
}

export interface StagedInstall {
  /** The installed app: package.json, package-lock.json, node_modules. */
  appDir: string;
  connectors: ResolvedPackage[];
  extras: ResolvedPackage[];
  /** Workspace packages packed (connectors, extras and the workspace packages they depend on). */
  packed: WorkspacePackage[];
}

const npmEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  npm_config_update_notifier: "false",
  npm_config_fund: "false",
  npm_config_audit: "false",
});

function looksLikePath(spec: string): boolean {
  return (
    spec === "." ||
    spec === ".." ||
    spec.startsWith("./") ||
    spec.startsWith("../") ||
    spec.startsWith("/") ||
    spec.endsWith(".tgz")
  );
}

/** Splits `@scope/name@range` into name and range (range undefined when absent). */
export function parseNpmSpec(spec: string): { name: string; range?: string } {
  const at = spec.indexOf("@", spec.startsWith("@") ? 1 : 0);
  if (at < 0) return { name: spec };
  return { name: spec.slice(0, at), range: spec.slice(at + 1) || undefined };
}

/**
 * Installs the production dependencies of the chosen packages into `workDir/app` on this machine (npm
 * inside a container build cannot be relied on, and images should not need a registry at build time).
 */
export async function stagePackages(request: StageRequest): Promise<StagedInstall> {
  const cwd = request.cwd ?? process.cwd();
  const tarballs = path.join(request.workDir, "tarballs");
  const appDir = path.join(request.workDir, "app");
  mkdirSync(tarballs, { recursive: true });
  mkdirSync(appDir, { recursive: true });
  const say = (line: string) => request.onLine?.(line);

  // 1. Sort what was named into workspace packages, local folders or tarballs, and registry specs.
  const fromWorkspace: Array<{ request: string; pkg: WorkspacePackage; kind: "connector" | "extra" }> = [];
  const others: Array<{ request: string; kind: "connector" | "extra" }> = [];
  for (const [kind, list] of [
    ["connector", request.connectors],
    ["extra", request.npmPackages],
  ] as const) {
    for (const spec of list) {
      const pkg = looksLikePath(spec)
        ? undefined
        : findWorkspacePackage(request.workspace, parseNpmSpec(spec).name);
      if (pkg) fromWorkspace.push({ request: spec, pkg, kind });
      else others.push({ request: spec, kind });
    }
  }

  const resolved = { connector: [] as ResolvedPackage[], extra: [] as ResolvedPackage[] };
  const dependencies: Record<string, string> = {};
  const overrides: Record<string, string> = {};
  let packed: WorkspacePackage[] = [];

  // 2. Workspace packages: pack them as they are now, with the workspace packages they depend on.
  if (fromWorkspace.length > 0 && request.from === "workspace") {
    packed = workspaceClosure(
      request.workspace!,
      fromWorkspace.map((w) => w.pkg),
    );
    for (const pkg of packed) assertBuilt(pkg.dir, pkg.manifest, pkg.name);
    say(`packing ${packed.map((p) => p.name).join(", ")} from the workspace`);
    const files = await npmPack(
      packed.map((p) => p.dir),
      tarballs,
    );
    packed.forEach((pkg) => {
      const install = `file:../tarballs/${files.get(pkg.name)}`;
      dependencies[pkg.name] = install;
      // Every workspace package resolves to its packed copy, also where another package asks for it by range.
      overrides[pkg.name] = `$${pkg.name}`;
    });
    for (const w of fromWorkspace) {
      resolved[w.kind].push({
        request: w.request,
        name: w.pkg.name,
        version: w.pkg.version,
        install: dependencies[w.pkg.name],
        origin: "workspace",
      });
    }
  } else {
    for (const w of fromWorkspace) {
      // The version the workspace is at, unless the spec names another (a range or tag is resolved to exact).
      const range = parseNpmSpec(w.request).range;
      const version = range ? await exactVersion(`${w.pkg.name}@${range}`) : w.pkg.version;
      dependencies[w.pkg.name] = version;
      resolved[w.kind].push({
        request: w.request,
        name: w.pkg.name,
        version,
        install: version,
        origin: "registry",
      });
    }
  }

  // 3. Local folders and tarballs (a connector developed outside this repository), and registry specs.
  for (const o of others) {
    if (looksLikePath(o.request)) {
      const target = path.resolve(cwd, o.request);
      if (!existsSync(target))
        throw new ImageError("bad-input", `${o.request}: no such file or folder (from ${cwd})`);
      let file: string;
      if (statSync(target).isDirectory()) {
        assertBuilt(target, readManifest(target), o.request);
        [file] = (await npmPack([target], tarballs)).values();
      } else {
        file = path.basename(target);
        copyFileSync(target, path.join(tarballs, file));
      }
      const manifest = await tarballManifest(path.join(tarballs, file));
      dependencies[manifest.name] = `file:../tarballs/${file}`;
      resolved[o.kind].push({
        request: o.request,
        name: manifest.name,
        version: manifest.version,
        install: dependencies[manifest.name],
        origin: "local",
      });
    } else {
      const { name } = parseNpmSpec(o.request);
      const version = await exactVersion(o.request);
      dependencies[name] = version;
      resolved[o.kind].push({ request: o.request, name, version, install: version, origin: "registry" });
    }
  }

  // 4. Install, for the image's platform (optional native packages are chosen by --os/--cpu).
  const manifest = {
    name: "flyte-connector-image-app",
    private: true,
    description: "Staged by flyte-connector-image; not published.",
    dependencies: sortKeys(dependencies),
    ...(Object.keys(overrides).length > 0 ? { overrides: sortKeys(overrides) } : {}),
  };
  writeFileSync(path.join(appDir, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
  // Registry settings (a private registry, scoped registries) come from the project's .npmrc.
  for (const dir of [request.workspace?.root, cwd]) {
    if (dir && existsSync(path.join(dir, ".npmrc"))) {
      copyFileSync(path.join(dir, ".npmrc"), path.join(appDir, ".npmrc"));
      break;
    }
  }
  say(`installing production dependencies for linux/${npmArch(request.platform)}`);
  await run(
    "npm",
    [
      "install",
      "--omit=dev",
      "--ignore-scripts",
      "--no-audit",
      "--no-fund",
      "--os",
      "linux",
      "--cpu",
      npmArch(request.platform),
    ],
    {
      cwd: appDir,
      env: npmEnv(),
      onLine: (line) => say(`npm: ${line}`),
      errorCode: "npm",
      what: "npm install (staging the image's packages)",
      hint:
        request.from === "registry"
          ? "registry mode installs published versions: are these packages published at these versions?"
          : undefined,
    },
  );
  if (!existsSync(path.join(appDir, "node_modules", RUNTIME_PACKAGE, "package.json"))) {
    throw new ImageError("npm", `${RUNTIME_PACKAGE} is not installed at the top of node_modules`, {
      hint: "the connectors must share one version of the runtime; align their @flyte-connectors/runtime ranges",
    });
  }
  // Tarball and registry versions are known exactly only now.
  for (const r of [...resolved.connector, ...resolved.extra]) {
    r.version = readManifest(path.join(appDir, "node_modules", r.name)).version;
  }
  return { appDir, connectors: resolved.connector, extras: resolved.extra, packed };
}

/** The module the server loads for a connector package: its name, or the path its `flyteConnector` field names. */
export function connectorModule(appDir: string, name: string): string {
  const manifest = readManifest(path.join(appDir, "node_modules", name));
  const field = manifest[CONNECTOR_FIELD];
  return typeof field === "string" ? `./${path.posix.join("node_modules", name, field)}` : name;
}

function assertBuilt(dir: string, manifest: PackageManifest, label: string): void {
  const main = manifest.main;
  if (main && !existsSync(path.join(dir, main))) {
    throw new ImageError("workspace", `${label}: ${path.join(dir, main)} does not exist`, {
      hint: "build the packages first: npm run build (or npx nx run-many -t build)",
    });
  }
}

/** Packs folders into `destination`; returns package name → tarball file name. */
async function npmPack(dirs: string[], destination: string): Promise<Map<string, string>> {
  const packed = await run(
    "npm",
    ["pack", ...dirs, "--pack-destination", destination, "--json", "--ignore-scripts", "--silent"],
    {
      env: npmEnv(),
      errorCode: "npm",
      what: "npm pack",
    },
  );
  const entries = JSON.parse(packed.stdout) as Array<{ name: string; filename: string }>;
  // npm names scoped tarballs "scope-name-version.tgz" on disk.
  return new Map(entries.map((e) => [e.name, e.filename.replace(/^@/, "").replace(/\//g, "-")]));
}

async function tarballManifest(file: string): Promise<PackageManifest> {
  const { stdout } = await run("tar", ["-xzOf", file, "package/package.json"], {
    errorCode: "bad-input",
    what: `reading ${file}`,
  });
  return JSON.parse(stdout) as PackageManifest;
}

/** Resolves a registry spec (a range, a tag, or nothing) to the exact version it means today. */
async function exactVersion(spec: string): Promise<string> {
  const { stdout } = await run("npm", ["view", spec, "version", "--json"], {
    env: npmEnv(),
    errorCode: "npm",
    what: `npm view ${spec}`,
    hint: `is ${spec} published on the registry this machine uses (npm config get registry)?`,
  });
  const parsed = JSON.parse(stdout) as string | string[];
  const version = Array.isArray(parsed) ? parsed[parsed.length - 1] : parsed;
  if (!version) throw new ImageError("npm", `no published version matches ${spec}`);
  return version;
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
