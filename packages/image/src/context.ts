import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { renderDockerfile } from "./dockerfile";
import { ImageError } from "./errors";
import type { Image } from "./image";
import { hostPlatform, nodeBinary, npmArch, PLATFORMS, type Platform } from "./node-binary";
import { compiledScript } from "./paths";
import {
  connectorModule,
  RUNTIME_PACKAGE,
  stagePackages,
  type PackageSource,
  type ResolvedPackage,
} from "./stage";
import { copyTree, hashTree, normalizeTree, writeTreeFile } from "./tree";
import { findWorkspace, gitInfo, readManifest, repositoryUrl, type PackageManifest } from "./workspace";

/** Prefix of this project's own image labels. */
export const LABEL_PREFIX = "io.github.flyte-connectors.";
/** Where the app lives in the image. */
export const APP_DIR = "/app";
/** The gRPC and metrics ports every image serves on by default. */
export const GRPC_PORT = 8000;
export const METRICS_PORT = 9090;

export type ProgressStep = "resolve" | "node" | "install" | "inspect" | "context" | "build" | "push";

export interface ProgressEvent {
  step: ProgressStep;
  message: string;
}

export interface ContextOptions {
  /**
   * Where connector packages come from. "workspace": the monorepo's packages as they are now (built `dist`
   * included), so unpublished changes go in. "registry": the exact published versions. Default
   * "workspace" inside an npm workspace, "registry" outside one.
   */
  from?: PackageSource;
  /** Platform of the image. Default: this machine's (linux/amd64 or linux/arm64). */
  platform?: Platform;
  /** Folder to write the context to; its contents are replaced. Default: a new folder under the OS temp dir. */
  outDir?: string;
  /** Cache for Node.js binaries. Default `$XDG_CACHE_HOME/flyte-connectors` or `~/.cache/flyte-connectors`. */
  cacheDir?: string;
  /** Where to find the workspace and resolve relative package paths from. Default `process.cwd()`. */
  cwd?: string;
  /** Progress lines (npm output, steps). Default: none. */
  onProgress?: (event: ProgressEvent) => void;
}

/** One connector a context serves. */
export interface ServedConnector {
  name: string;
  taskType: string;
  version: number;
  /** The module (package name, or a path under /app) the server loads it from. */
  module: string;
}

/** `image.json`: what an image holds. Written at the context's root and at /app/image.json in the image. */
export interface ImageManifest {
  name: string;
  /** Module specs passed to `flyte-connector serve --modules`, in order. */
  modules: string[];
  connectors: ServedConnector[];
  /** Distinct task types served, sorted. */
  taskTypes: string[];
  /** Connector and extra packages installed, `name@version`, sorted. */
  packages: string[];
  /** The runtime's CLI, relative to /app. */
  serverCli: string;
  runtimeVersion: string;
  nodeVersion: string;
  platform: Platform;
  from: PackageSource;
  revision?: string;
}

export interface BuildContext {
  /** The context folder: Dockerfile, image.json, rootfs/{node,deps,app}. */
  dir: string;
  dockerfile: string;
  /** sha256 of the whole context. */
  hash: string;
  /** The image's tag: the one asked for, or the first 12 hex digits of `hash`. */
  tag: string;
  /** `registry/name:tag`. */
  reference: string;
  manifest: ImageManifest;
  labels: Record<string, string>;
}

export function defaultCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "flyte-connectors");
}

/** Node.js never loads these from node_modules; leaving them out saves about a third of the size. */
const PRUNED = /\.(?:d\.[cm]?ts|[cm]?ts|map|tsbuildinfo)$/;

/**
 * Writes the build context for `image`: installs its packages on this machine, checks that they load and
 * provide connectors, and renders the Dockerfile. The same inputs give a byte-identical context.
 */
export async function createContext(image: Image, options: ContextOptions = {}): Promise<BuildContext> {
  const progress = (step: ProgressStep, message: string) => options.onProgress?.({ step, message });
  const cwd = options.cwd ?? process.cwd();
  const platform = options.platform ?? hostPlatform();
  if (!platform || !PLATFORMS.includes(platform)) {
    throw new ImageError(
      "bad-input",
      `platform ${platform ?? process.arch}: images can be built for ${PLATFORMS.join(", ")}`,
    );
  }
  if (image.connectors.length === 0) {
    throw new ImageError("bad-input", "the image has no connectors", {
      hint: "add some with .withConnectors(...) or --connectors",
    });
  }
  const workspace = findWorkspace(cwd);
  const from = options.from ?? (workspace ? "workspace" : "registry");
  if (from === "workspace" && !workspace) {
    throw new ImageError("workspace", `--from workspace: no npm workspace contains ${cwd}`, {
      hint: "run inside the monorepo, or use --from registry",
    });
  }

  const work = mkdtempSync(path.join(os.tmpdir(), "flyte-connector-image-"));
  try {
    progress("resolve", `${image.connectors.join(", ")} (from ${from})`);
    const [node, staged] = await Promise.all([
      nodeBinary(image.nodeVersion, platform, options.cacheDir ?? defaultCacheDir(), (line) =>
        progress("node", line),
      ),
      stagePackages({
        workspace,
        from,
        connectors: image.connectors,
        npmPackages: image.npmPackages,
        platform,
        workDir: work,
        cwd,
        onLine: (line) => progress("install", line),
      }),
    ]);

    progress("inspect", "loading the staged connector modules");
    const modules = staged.connectors.map((c) => connectorModule(staged.appDir, c.name));
    const served = await inspectConnectors(staged.appDir, modules, staged.connectors);
    const runtime = readManifest(path.join(staged.appDir, "node_modules", RUNTIME_PACKAGE));
    const serverCli = binPath(runtime, "flyte-connector");
    const revisionInfo =
      from === "workspace" && workspace
        ? gitInfo(
            workspace.root,
            staged.packed.map((p) => p.dir),
          )
        : undefined;

    const manifest: ImageManifest = {
      name: image.name,
      modules,
      connectors: served,
      taskTypes: [...new Set(served.map((c) => c.taskType))].sort(),
      packages: [...staged.connectors, ...staged.extras].map((p) => `${p.name}@${p.version}`).sort(),
      serverCli: path.posix.join("node_modules", RUNTIME_PACKAGE, serverCli),
      runtimeVersion: runtime.version,
      nodeVersion: image.nodeVersion,
      platform,
      from,
      ...(revisionInfo ? { revision: revisionInfo.commit } : {}),
    };
    const firstConnector = readManifest(path.join(staged.appDir, "node_modules", staged.connectors[0].name));
    const labels = imageLabels(image, manifest, staged.connectors, firstConnector, revisionInfo);

    progress("context", "writing the build context");
    const dir = options.outDir
      ? path.resolve(options.outDir)
      : mkdtempSync(path.join(os.tmpdir(), "flyte-connector-context-"));
    mkdirSync(dir, { recursive: true });
    for (const entry of readdirSync(dir)) rmSync(path.join(dir, entry), { recursive: true, force: true });

    // rootfs/node: the Node.js binary and its license.
    mkdirSync(path.join(dir, "rootfs/node/usr/local/bin"), { recursive: true });
    copyFileSync(node.node, path.join(dir, "rootfs/node/usr/local/bin/node"));
    mkdirSync(path.join(dir, "rootfs/node/usr/local/share/doc/node"), { recursive: true });
    copyFileSync(node.license, path.join(dir, "rootfs/node/usr/local/share/doc/node/LICENSE"));

    // rootfs/deps and rootfs/app: node_modules split so a code change leaves the dependency layer alone.
    const ours = new Set(
      [...staged.connectors, ...staged.extras].map((p) => p.name).concat(staged.packed.map((p) => p.name)),
    );
    const isOurs = (rel: string) => {
      const [first, second] = rel.split("/");
      return (
        first === ".bin" ||
        first === ".package-lock.json" ||
        ours.has(first) ||
        ours.has(`${first}/${second}`)
      );
    };
    const modulesDir = path.join(staged.appDir, "node_modules");
    copyTree(modulesDir, path.join(dir, "rootfs/deps/app/node_modules"), (rel, kind) => {
      if (kind === "file" && PRUNED.test(rel)) return false;
      return !isOurs(rel) || (rel.startsWith("@") && !rel.includes("/") && kind === "dir");
    });
    copyTree(modulesDir, path.join(dir, "rootfs/app/app/node_modules"), (rel, kind) => {
      if (kind === "file" && PRUNED.test(rel)) return false;
      return isOurs(rel) || (rel.startsWith("@") && !rel.includes("/") && kind === "dir");
    });
    removeEmptyDirs(path.join(dir, "rootfs/deps/app/node_modules"));
    removeEmptyDirs(path.join(dir, "rootfs/app/app/node_modules"));
    copyFileSync(path.join(staged.appDir, "package.json"), path.join(dir, "rootfs/app/app/package.json"));
    copyFileSync(
      path.join(staged.appDir, "package-lock.json"),
      path.join(dir, "rootfs/app/app/package-lock.json"),
    );
    const manifestJson = JSON.stringify(manifest, null, 2) + "\n";
    writeTreeFile(path.join(dir, "rootfs/app/app/image.json"), manifestJson);
    writeTreeFile(path.join(dir, "rootfs/app/app/bin/c0"), await readC0(), true);
    writeTreeFile(path.join(dir, "image.json"), manifestJson);

    const entrypoint = [
      "/usr/local/bin/node",
      path.posix.join(APP_DIR, manifest.serverCli),
      "serve",
      ...manifest.modules.flatMap((m) => ["--modules", m.startsWith("./") ? path.posix.join(APP_DIR, m) : m]),
    ];
    const dockerfile = renderDockerfile({
      baseImage: image.baseImage,
      nodeVersion: image.nodeVersion,
      nodeArch: npmArch(platform),
      uid: image.uid,
      env: { ...image.env },
      labels,
      entrypoint,
    });
    writeTreeFile(path.join(dir, "Dockerfile"), dockerfile);
    normalizeTree(dir);

    const hash = hashTree(dir);
    const tag = image.tag ?? hash.slice(0, 12);
    progress("context", `context ${hash.slice(0, 12)} in ${dir}`);
    return {
      dir,
      dockerfile: path.join(dir, "Dockerfile"),
      hash,
      tag,
      reference: `${image.repository}:${tag}`,
      manifest,
      labels,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Task types of workspace packages as they are built now, loaded from the workspace's node_modules (quicker
 * than staging; for `manifests` without an image at hand).
 */
export async function workspaceConnectors(root: string, names: string[]): Promise<ServedConnector[]> {
  const modules = names.map((n) => connectorModule(root, n));
  return inspectConnectors(
    root,
    modules,
    names.map((n) => ({ request: n, name: n, version: "", install: "", origin: "workspace" })),
  );
}

function binPath(manifest: PackageManifest, name: string): string {
  const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin?.[name];
  if (!bin) throw new ImageError("npm", `${manifest.name}@${manifest.version} has no "${name}" bin`);
  return path.posix.normalize(bin);
}

function removeEmptyDirs(dir: string): boolean {
  if (!existsSync(dir)) return true;
  let empty = true;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && !entry.isSymbolicLink()) {
      if (removeEmptyDirs(path.join(dir, entry.name))) continue;
    }
    empty = false;
  }
  if (empty) rmSync(dir, { recursive: true });
  return empty;
}

async function readC0(): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  return readFile(compiledScript("c0"), "utf8");
}

async function inspectConnectors(
  appDir: string,
  modules: string[],
  packages: ResolvedPackage[],
): Promise<ServedConnector[]> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(
      process.execPath,
      [compiledScript("inspect-connectors"), appDir, ...modules],
      {
        cwd: appDir,
        env: { ...process.env, NODE_ENV: "production" },
        maxBuffer: 16 * 1024 * 1024,
      },
    ));
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new ImageError(
      "connectors",
      `the staged connector modules do not load: ${stderr || String(error)}`,
      { cause: error },
    );
  }
  const found = JSON.parse(stdout) as Array<{
    module: string;
    connectors: Array<Omit<ServedConnector, "module">>;
  }>;
  const served: ServedConnector[] = [];
  for (const [i, entry] of found.entries()) {
    if (entry.connectors.length === 0) {
      throw new ImageError(
        "connectors",
        `${packages[i].request} (${packages[i].name}) provides no connectors`,
        {
          hint: 'a connector package exports `connectors` (an array of AsyncConnector instances) and declares "flyteConnector" in package.json',
        },
      );
    }
    for (const c of entry.connectors) served.push({ ...c, module: entry.module });
  }
  const seen = new Map<string, string>();
  for (const c of served) {
    const key = `${c.taskType} v${c.version}`;
    if (seen.has(key))
      throw new ImageError(
        "connectors",
        `task type ${key} is provided by both ${seen.get(key)} and ${c.module}`,
      );
    seen.set(key, c.module);
  }
  return served;
}

function imageLabels(
  image: Image,
  manifest: ImageManifest,
  connectors: ResolvedPackage[],
  firstConnector: PackageManifest,
  revision: ReturnType<typeof gitInfo>,
): Record<string, string> {
  const labels: Record<string, string> = {
    "org.opencontainers.image.title": image.name,
    "org.opencontainers.image.description": `Flyte connectors serving ${manifest.taskTypes.join(", ")}`,
    // One connector: its version. A bundle: the runtime's (the server all of them run in).
    "org.opencontainers.image.version":
      connectors.length === 1 ? connectors[0].version : manifest.runtimeVersion,
    "org.opencontainers.image.base.name": image.baseImage,
    [`${LABEL_PREFIX}task-types`]: manifest.taskTypes.join(","),
    [`${LABEL_PREFIX}connectors`]: connectors
      .map((c) => `${c.name}@${c.version}`)
      .sort()
      .join(","),
    [`${LABEL_PREFIX}runtime-version`]: manifest.runtimeVersion,
    [`${LABEL_PREFIX}node-version`]: manifest.nodeVersion,
    [`${LABEL_PREFIX}from`]: manifest.from,
  };
  const source = repositoryUrl(firstConnector);
  if (source) labels["org.opencontainers.image.source"] = source;
  if (connectors.length === 1 && firstConnector.license)
    labels["org.opencontainers.image.licenses"] = firstConnector.license;
  if (revision) {
    labels["org.opencontainers.image.revision"] = revision.commit;
    labels["org.opencontainers.image.created"] = revision.date;
    if (revision.modified) labels[`${LABEL_PREFIX}source-modified`] = "true";
  }
  return labels;
}
