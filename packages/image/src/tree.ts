import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";

/**
 * Timestamp of every file in a context, and of the image (`--timestamp`): 1980-01-01, the earliest date
 * every archive format takes. Fixed, so the same inputs give the same bytes and the same layer digests.
 */
export const CONTEXT_EPOCH = 315532800;

/** Decides, by path relative to the copy's root (POSIX separators), whether to copy an entry. */
export type TreeFilter = (relative: string, kind: "file" | "dir" | "symlink") => boolean;

/**
 * Copies a tree, keeping symlinks as links. Modes and timestamps are set afterwards by
 * {@link normalizeTree}, once nothing writes into the tree any more.
 */
export function copyTree(from: string, to: string, filter: TreeFilter = () => true, relative = ""): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from).sort()) {
    const source = path.join(from, entry);
    const target = path.join(to, entry);
    const rel = relative ? `${relative}/${entry}` : entry;
    const stat = lstatSync(source);
    if (stat.isSymbolicLink()) {
      if (filter(rel, "symlink")) symlinkSync(readlinkSync(source), target);
    } else if (stat.isDirectory()) {
      if (filter(rel, "dir")) copyTree(source, target, filter, rel);
    } else if (stat.isFile()) {
      if (!filter(rel, "file")) continue;
      copyFileSync(source, target);
    }
  }
}

/** Writes a file, creating folders; `executable` gives it 0755 (else 0644). */
export function writeTreeFile(file: string, content: string | Buffer, executable = false): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  chmodSync(file, executable ? 0o755 : 0o644);
}

/**
 * Normalises a finished tree whatever the umask was: folders 0755, files 0644 or 0755, and every
 * timestamp {@link CONTEXT_EPOCH} (children before their folder, since writing a child touches it).
 */
export function normalizeTree(dir: string): void {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    const stat = lstatSync(full);
    if (stat.isDirectory()) normalizeTree(full);
    else {
      if (stat.isFile()) chmodSync(full, stat.mode & 0o111 ? 0o755 : 0o644);
      lutimesSync(full, CONTEXT_EPOCH, CONTEXT_EPOCH);
    }
  }
  chmodSync(dir, 0o755);
  utimesSync(dir, CONTEXT_EPOCH, CONTEXT_EPOCH);
}

export interface TreeEntry {
  path: string;
  kind: "file" | "dir" | "symlink";
  mode: number;
  mtime: number;
  /** sha256 of a file's bytes, or a symlink's target. */
  content: string;
}

/** Every entry of a tree, sorted by path, with what makes it what it is. */
export function listTree(dir: string, relative = ""): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const name of readdirSync(path.join(dir, relative)).sort()) {
    const rel = relative ? `${relative}/${name}` : name;
    const full = path.join(dir, rel);
    const stat = lstatSync(full);
    const base = { path: rel, mode: stat.mode & 0o7777, mtime: Math.floor(stat.mtimeMs / 1000) };
    if (stat.isSymbolicLink()) entries.push({ ...base, kind: "symlink", content: readlinkSync(full) });
    else if (stat.isDirectory()) {
      entries.push({ ...base, kind: "dir", content: "" });
      entries.push(...listTree(dir, rel));
    } else
      entries.push({
        ...base,
        kind: "file",
        content: createHash("sha256").update(readFileSync(full)).digest("hex"),
      });
  }
  return entries;
}

/** sha256 over a tree's entries (paths, kinds, modes, contents); timestamps are fixed, so left out. */
export function hashTree(dir: string): string {
  const hash = createHash("sha256");
  for (const e of listTree(dir)) hash.update(`${e.kind} ${e.mode.toString(8)} ${e.path} ${e.content}\n`);
  return hash.digest("hex");
}
