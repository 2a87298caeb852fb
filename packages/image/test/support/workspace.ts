/**
 * What `--connectors all` means in this workspace, asked the way a user would: `flyte-connector list` at
 * the repository root. Tests compare "all" against it, so a new connector package changes no test.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";

export const repoRoot = path.resolve(__dirname, "../../../..");

/** Every connector package in the workspace: task types and package names, each sorted. Needs them built. */
export function listedWorkspaceConnectors(): { taskTypes: string[]; modules: string[] } {
  const bin = path.join(repoRoot, "packages/runtime/bin/flyte-connector.js");
  const result = spawnSync(process.execPath, [bin, "list"], { cwd: repoRoot, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`flyte-connector list failed: ${result.stderr}`);
  const [header, ...rows] = result.stdout.trimEnd().split("\n");
  const cell = (row: string, name: string) => row.slice(header.indexOf(name)).split(/\s+/)[0];
  return {
    taskTypes: rows.map((row) => cell(row, "TASK TYPE")).sort(),
    modules: [...new Set(rows.map((row) => cell(row, "MODULE")))].sort(),
  };
}
