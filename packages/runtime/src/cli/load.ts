import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { AsyncConnector } from "../connector";
import { ConfigurationError } from "../errors";
import { ConnectorRegistry, defaultRegistry, type AnyConnector } from "../registry";

/** Where a loaded connector came from, for the start-up table. */
export interface LoadedConnector {
  connector: AnyConnector;
  module: string;
}

/** The `package.json` field that marks a connector package: `true` (its main entry) or a relative path. */
export const CONNECTOR_PACKAGE_FIELD = "flyteConnector";

function looksLikePath(spec: string): boolean {
  return spec.startsWith(".") || spec.startsWith("/") || /\.[cm]?[jt]s$/.test(spec);
}

/** Resolves a module spec (package name or file path) from `cwd`, with a clear error when it can't. */
export function resolveModule(spec: string, cwd = process.cwd()): string {
  if (looksLikePath(spec)) {
    const file = path.resolve(cwd, spec);
    if (!existsSync(file)) throw new ConfigurationError(`module file not found: ${file}`);
    if (!statSync(file).isDirectory()) return file;
    // A package folder (`--modules .` in a connector's own project): its entry point, as require finds it.
    try {
      return require.resolve(file);
    } catch (cause) {
      throw new ConfigurationError(
        `module folder ${file} has no entry point: its package.json "main" (or index.js) is missing; build it first?`,
        { cause },
      );
    }
  }
  try {
    return require.resolve(spec, { paths: [cwd, __dirname] });
  } catch (cause) {
    throw new ConfigurationError(`cannot find module "${spec}" from ${cwd}; is it installed?`, { cause });
  }
}

function isConnector(value: unknown): value is AnyConnector {
  return (
    value instanceof AsyncConnector ||
    (!!value &&
      typeof value === "object" &&
      typeof (value as AnyConnector).taskTypeName === "string" &&
      typeof (value as AnyConnector).create === "function")
  );
}

/**
 * Imports a connector module and returns the connectors it exports as `connectors` (an array), plus any
 * it registered into `defaultRegistry` while loading.
 */
export async function loadModule(spec: string, cwd = process.cwd()): Promise<LoadedConnector[]> {
  const file = resolveModule(spec, cwd);
  const before = new Set(defaultRegistry.list());
  let namespace: Record<string, unknown>;
  try {
    // CommonJS through require: the first import() starts Node's ES module loader, ~10–30 ms of start-up.
    const loaded: unknown = isCommonJs(file) ? requireFile(file) : await import(pathToFileURL(file).href);
    namespace = loaded as Record<string, unknown>;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ConfigurationError(`module "${spec}" failed to load: ${reason}`, { cause });
  }
  const exported =
    namespace.connectors ??
    (namespace.default as Record<string, unknown> | undefined)?.connectors ??
    undefined;
  if (exported !== undefined && !Array.isArray(exported)) {
    throw new ConfigurationError(`module "${spec}" exports "connectors" but it is not an array`);
  }
  const found: AnyConnector[] = [];
  for (const [index, value] of (exported ?? []).entries()) {
    if (!isConnector(value)) {
      throw new ConfigurationError(
        `module "${spec}": connectors[${index}] is not an AsyncConnector instance`,
      );
    }
    found.push(value);
  }
  for (const c of defaultRegistry.list()) if (!before.has(c) && !found.includes(c)) found.push(c);
  if (found.length === 0) {
    throw new ConfigurationError(
      `module "${spec}" provides no connectors: export \`connectors\` (an array of instances) or register into defaultRegistry`,
    );
  }
  return found.map((connector) => ({ connector, module: spec }));
}

function requireFile(file: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file);
}

/** Whether Node loads `file` as CommonJS: `.cjs`, or `.js` whose nearest package.json is not `"type": "module"`. */
function isCommonJs(file: string): boolean {
  if (file.endsWith(".cjs")) return true;
  if (!file.endsWith(".js")) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    let text: string | undefined;
    try {
      text = readFileSync(path.join(dir, "package.json"), "utf8");
    } catch {
      // none here: look further up
    }
    if (text !== undefined) {
      try {
        return (JSON.parse(text) as { type?: unknown }).type !== "module";
      } catch {
        return false; // let import() report the broken manifest
      }
    }
    if (path.dirname(dir) === dir) return true;
  }
}

/**
 * Finds installed packages whose `package.json` declares `flyteConnector`, in the `node_modules` of `cwd`
 * and its parents — the analog of Python entry points. Returns module specs (absolute entry paths).
 */
export function discoverConnectorPackages(cwd = process.cwd()): Array<{ name: string; entry: string }> {
  const found = new Map<string, string>();
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const nodeModules = path.join(dir, "node_modules");
    if (existsSync(nodeModules)) {
      for (const pkgDir of packageDirs(nodeModules)) {
        const manifest = readManifest(pkgDir);
        if (!manifest || manifest[CONNECTOR_PACKAGE_FIELD] === undefined || found.has(manifest.name))
          continue;
        const field = manifest[CONNECTOR_PACKAGE_FIELD];
        const entry =
          typeof field === "string"
            ? path.resolve(pkgDir, field)
            : path.resolve(pkgDir, manifest.main ?? "index.js");
        found.set(manifest.name, entry);
      }
    }
    if (path.dirname(dir) === dir) break;
  }
  // Code-unit order, not localeCompare: the first locale comparison loads ICU's collator (~30 ms of start-up).
  return [...found]
    .map(([name, entry]) => ({ name, entry }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function packageDirs(nodeModules: string): string[] {
  const dirs: string[] = [];
  // String concatenation, not path.join: readdir names hold no separators, and path.join's normalising of
  // ~1000 paths shows in start-up.
  for (const entry of safeReaddir(nodeModules)) {
    if (entry.startsWith(".")) continue;
    const full = `${nodeModules}${path.sep}${entry}`;
    if (entry.startsWith("@")) {
      for (const scoped of safeReaddir(full)) dirs.push(`${full}${path.sep}${scoped}`);
    } else {
      dirs.push(full);
    }
  }
  // Entries that are not package folders fail to read their manifest, which `readManifest` tolerates.
  return dirs;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

interface Manifest {
  name: string;
  main?: string;
  [CONNECTOR_PACKAGE_FIELD]?: unknown;
}

/** Read buffer for manifests: one for the whole scan, grown for the rare manifest that does not fit. */
let manifestBuffer = Buffer.allocUnsafe(64 * 1024);
const FIELD_BYTES = Buffer.from(`"${CONNECTOR_PACKAGE_FIELD}"`);

/**
 * The manifest of a package that declares `flyteConnector`; undefined for every other package.
 *
 * Discovery reads every installed manifest (about a thousand in a development checkout), so this is on
 * the start-up path: one open/read/close into a reused buffer, and a byte search before any decoding —
 * most packages are not connectors and are never turned into a string. (`readFileSync` costs a syscall
 * more and a string per file.)
 */
function readManifest(pkgDir: string): Manifest | undefined {
  let fd: number;
  try {
    fd = openSync(`${pkgDir}${path.sep}package.json`, "r");
  } catch {
    return undefined;
  }
  try {
    let length = 0;
    for (;;) {
      const n = readSync(fd, manifestBuffer, length, manifestBuffer.length - length, length);
      length += n;
      // A read that leaves room is the end of the file: local files are not read short before their end.
      if (n === 0 || length < manifestBuffer.length) break;
      const grown = Buffer.allocUnsafe(manifestBuffer.length * 2);
      manifestBuffer.copy(grown);
      manifestBuffer = grown;
    }
    const bytes = manifestBuffer.subarray(0, length);
    if (!bytes.includes(FIELD_BYTES)) return undefined;
    return JSON.parse(bytes.toString("utf8")) as Manifest;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Loads the named modules — or, with none named, every installed connector package — into a registry.
 * Two connectors for one task type are an error naming both modules.
 */
export async function loadConnectors(
  modules: string[],
  cwd = process.cwd(),
): Promise<{ registry: ConnectorRegistry; loaded: LoadedConnector[] }> {
  const specs =
    modules.length > 0 ? modules.map((m) => ({ name: m, entry: m })) : discoverConnectorPackages(cwd);
  if (specs.length === 0) {
    throw new ConfigurationError(
      `no connectors: pass --modules <package-or-path>, or install a package whose package.json declares "${CONNECTOR_PACKAGE_FIELD}"`,
    );
  }
  const registry = new ConnectorRegistry();
  const loaded: LoadedConnector[] = [];
  for (const spec of specs) {
    for (const item of await loadModule(spec.entry, cwd)) {
      const clash = registry.find(item.connector.taskCategory);
      if (clash && clash !== item.connector) {
        const other = loaded.find((l) => l.connector === clash)?.module ?? "?";
        throw new ConfigurationError(
          `task type "${item.connector.taskTypeName}" v${item.connector.taskTypeVersion} is provided by both ${other} and ${spec.name}`,
        );
      }
      if (!clash) {
        registry.register(item.connector);
        loaded.push({ connector: item.connector, module: spec.name });
      }
    }
  }
  return { registry, loaded };
}

/** A plain-text table of connectors and task types. */
export function formatConnectorTable(loaded: LoadedConnector[]): string {
  const rows = [
    ["CONNECTOR", "TASK TYPE", "VERSION", "MODULE"],
    ...loaded.map(({ connector, module }) => [
      connector.name,
      connector.taskTypeName,
      String(connector.taskTypeVersion),
      module,
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
