/** Helpers to run a build context on the host, without a container. */
import { cpSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** Lays the context's layers on top of each other in `dest`, as the Dockerfile's COPY steps do. */
export function assembleRootfs(contextDir: string, dest: string): string {
  mkdirSync(dest, { recursive: true });
  for (const layer of ["node", "deps", "app"]) {
    cpSync(path.join(contextDir, "rootfs", layer), dest, { recursive: true, verbatimSymlinks: true });
  }
  return dest;
}

/** The ENTRYPOINT of a rendered Dockerfile (exec form). */
export function entrypointOf(dockerfile: string): string[] {
  const line = readFileSync(dockerfile, "utf8")
    .split("\n")
    .find((l) => l.startsWith("ENTRYPOINT "));
  if (!line) throw new Error(`${dockerfile} has no ENTRYPOINT`);
  return JSON.parse(line.slice("ENTRYPOINT ".length)) as string[];
}

/** Maps image paths (/usr/local/bin/node, /app/...) into an assembled rootfs on the host. */
export function onHost(rootfs: string, args: string[]): string[] {
  return args.map((a) => (a.startsWith("/app/") || a.startsWith("/usr/local/") ? path.join(rootfs, a) : a));
}
