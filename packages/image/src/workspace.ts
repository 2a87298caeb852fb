import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { ImageError } from "./errors";

/** The `package.json` field that marks a connector package (the runtime's discovery reads the same). */
export const CONNECTOR_FIELD = "flyteConnector";

export interface PackageManifest {
  name: string;
  version: string;
  license?: string;
  main?: string;
  bin?: string | Record<string, string>;
  dependencies?: Record<string, string>;
  repository?: string | { url?: string; directory?: string };
  [CONNECTOR_FIELD]?: unknown;
}

export interface WorkspacePackage {
  name: string;
  version: string;
  dir: string;
  manifest: PackageManifest;
  /** Whether package.json declares `flyteConnector`. */
  isConnector: boolean;
}

export interface Workspace {
  root: string;
  packages: WorkspacePackage[];
}

export function readManifest(dir: string): PackageManifest {
  return JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as PackageManifest;
}

/** The npm workspace containing `cwd` (the nearest parent whose package.json has `workspaces`), if any. */
export function findWorkspace(cwd = process.cwd()): Workspace | undefined {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, "utf8")) as {
        workspaces?: string[] | { packages?: string[] };
      };
      const patterns = Array.isArray(manifest.workspaces)
        ? manifest.workspaces
        : manifest.workspaces?.packages;
      if (patterns) return { root: dir, packages: listPackages(dir, patterns) };
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Expands workspace patterns of the forms npm projects use most: `dir/*` and plain paths. */
function listPackages(root: string, patterns: string[]): WorkspacePackage[] {
  const dirs: string[] = [];
  for (const pattern of patterns) {
    if (pattern.endsWith("/*")) {
      const parent = path.join(root, pattern.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent).sort()) dirs.push(path.join(parent, entry));
    } else if (!/[*?[\]{}]/.test(pattern)) {
      dirs.push(path.join(root, pattern));
    } else {
      throw new ImageError(
        "workspace",
        `workspace pattern "${pattern}" is not supported (use "dir/*" or plain paths)`,
      );
    }
  }
  const packages: WorkspacePackage[] = [];
  for (const dir of dirs) {
    if (
      !statSync(dir, { throwIfNoEntry: false })?.isDirectory() ||
      !existsSync(path.join(dir, "package.json"))
    )
      continue;
    const manifest = readManifest(dir);
    if (!manifest.name) continue;
    packages.push({
      name: manifest.name,
      version: manifest.version,
      dir,
      manifest,
      isConnector: manifest[CONNECTOR_FIELD] !== undefined && manifest[CONNECTOR_FIELD] !== false,
    });
  }
  return packages.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Finds a workspace package by a name a user would type: the full name (`@flyte-connectors/connector-bigquery`),
 * the name without its scope (`connector-bigquery`), or without the `connector-` prefix too (`bigquery`).
 */
export function findWorkspacePackage(
  workspace: Workspace | undefined,
  name: string,
): WorkspacePackage | undefined {
  if (!workspace) return undefined;
  const exact = workspace.packages.find((p) => p.name === name);
  if (exact) return exact;
  const short = (p: WorkspacePackage) => p.name.replace(/^@[^/]+\//, "");
  return workspace.packages.find((p) => short(p) === name || short(p).replace(/^connector-/, "") === name);
}

/** Workspace packages `root` depends on (production dependencies only), found transitively, `root` first. */
export function workspaceClosure(workspace: Workspace, roots: WorkspacePackage[]): WorkspacePackage[] {
  const byName = new Map(workspace.packages.map((p) => [p.name, p]));
  const seen = new Map<string, WorkspacePackage>();
  const visit = (p: WorkspacePackage) => {
    if (seen.has(p.name)) return;
    seen.set(p.name, p);
    for (const dep of Object.keys(p.manifest.dependencies ?? {}).sort()) {
      const local = byName.get(dep);
      if (local) visit(local);
    }
  };
  roots.forEach(visit);
  return [...seen.values()];
}

export interface GitInfo {
  /** The commit checked out. */
  commit: string;
  /** Committer date of that commit, ISO 8601. */
  date: string;
  /** Whether any of the given folders has changes not committed. */
  modified: boolean;
}

/** The commit the workspace is at, or undefined outside git (or without git installed). */
export function gitInfo(root: string, folders: string[]): GitInfo | undefined {
  const git = (args: string[]) =>
    execFileSync("git", ["-C", root, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  try {
    const [commit, date] = git(["log", "-1", "--format=%H %cI"]).split(" ");
    const relative = folders.map((f) => path.relative(root, f) || ".");
    const modified = git(["status", "--porcelain", "--untracked-files=no", "--", ...relative]) !== "";
    return { commit, date, modified };
  } catch {
    return undefined;
  }
}

/** The repository URL from package.json, normalised to https without `.git` (for the OCI source label). */
export function repositoryUrl(manifest: PackageManifest): string | undefined {
  const raw = typeof manifest.repository === "string" ? manifest.repository : manifest.repository?.url;
  if (!raw) return undefined;
  return raw
    .replace(/^git\+/, "")
    .replace(/^git:\/\//, "https://")
    .replace(/\.git$/, "");
}
