/**
 * Child-process helper: loads connector modules from a staged app folder and prints, as JSON, the
 * connectors each provides. It runs the code that will ship, from the folder it will ship in, so a
 * missing dependency or a module that fails to load stops the build here rather than in a pod.
 *
 *   node inspect-connectors.js <app-dir> <module>...
 */
import { createRequire } from "node:module";
import path from "node:path";

interface Found {
  module: string;
  connectors: Array<{ name: string; taskType: string; version: number }>;
}

interface ConnectorLike {
  name?: unknown;
  taskTypeName?: unknown;
  taskTypeVersion?: unknown;
}

function describe(value: unknown): Found["connectors"][number] | undefined {
  const c = value as ConnectorLike | null;
  if (!c || typeof c !== "object" || typeof c.taskTypeName !== "string") return undefined;
  return {
    name: String(c.name ?? c.taskTypeName),
    taskType: c.taskTypeName,
    version: Number(c.taskTypeVersion ?? 0),
  };
}

function main(): void {
  const [appDir, ...modules] = process.argv.slice(2);
  const requireFromApp = createRequire(path.join(path.resolve(appDir), "package.json"));
  const results: Found[] = [];
  for (const spec of modules) {
    // Paths are relative to the app folder (the image's WORKDIR), as the server resolves them.
    const id = spec.startsWith(".") ? path.resolve(appDir, spec) : spec;
    let registry: { list(): unknown[] } | undefined;
    try {
      registry = (requireFromApp("@flyte-connectors/runtime") as { defaultRegistry?: { list(): unknown[] } })
        .defaultRegistry;
    } catch {
      registry = undefined;
    }
    const before = new Set(registry?.list() ?? []);
    const namespace = requireFromApp(id) as { connectors?: unknown; default?: { connectors?: unknown } };
    const exported = namespace.connectors ?? namespace.default?.connectors ?? [];
    const values = new Set([
      ...(Array.isArray(exported) ? exported : []),
      ...(registry?.list() ?? []).filter((c) => !before.has(c)),
    ]);
    const connectors = [...values].map(describe).filter((c): c is NonNullable<typeof c> => c !== undefined);
    results.push({ module: spec, connectors });
  }
  process.stdout.write(JSON.stringify(results));
}

try {
  main();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
