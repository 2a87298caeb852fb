/** The workspace as npm sees it: its packages, and which of them are published. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export const repoRoot = path.resolve(__dirname, "../../../..");

export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  main?: string;
  bin?: string | Record<string, string>;
  exports?: unknown;
  files?: string[];
  dependencies?: Record<string, string>;
  flyteConnector?: unknown;
  scripts?: Record<string, string>;
}

export interface WorkspacePackage {
  name: string;
  version: string;
  /** Absolute folder. */
  dir: string;
  manifest: Manifest;
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, "utf8")) as T;
}

/** Every workspace package (the root package.json's `workspaces` globs, `dir/*` form), in name order. */
export function workspacePackages(): WorkspacePackage[] {
  const { workspaces } = readJson<{ workspaces: string[] }>(path.join(repoRoot, "package.json"));
  const found: WorkspacePackage[] = [];
  for (const glob of workspaces) {
    if (!glob.endsWith("/*"))
      throw new Error(`workspace glob ${glob}: only "dir/*" globs are understood here`);
    const parent = path.join(repoRoot, glob.slice(0, -2));
    for (const entry of readdirSync(parent)) {
      const file = path.join(parent, entry, "package.json");
      if (!existsSync(file)) continue;
      const manifest = readJson<Manifest>(file);
      found.push({ name: manifest.name, version: manifest.version, dir: path.dirname(file), manifest });
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** The packages npm would publish: every workspace package not marked private. */
export function publicPackages(): WorkspacePackage[] {
  return workspacePackages().filter((p) => p.manifest.private !== true);
}

/** The bin names and targets of a manifest. */
export function bins(manifest: Manifest): Array<[string, string]> {
  if (!manifest.bin) return [];
  if (typeof manifest.bin === "string") return [[manifest.name.replace(/^@[^/]+\//, ""), manifest.bin]];
  return Object.entries(manifest.bin);
}
