#!/usr/bin/env node
/**
 * `flyte-connector-image`: build connector images, and write their Kubernetes manifests and the Flyte
 * backend's configuration.
 *
 *   flyte-connector-image build --connectors bigquery --registry ghcr.io/acme --push
 *   flyte-connector-image manifests --image ghcr.io/acme/connector-bigquery:0123abcd --connectors bigquery --out deploy/
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { z } from "zod";
import { backendConfigYaml } from "../backend-config";
import { createContext, defaultCacheDir, workspaceConnectors, type ProgressEvent } from "../context";
import { BUILDERS, ImageBuildEngine, type BuilderName } from "../engine";
import { ImageError } from "../errors";
import { DEFAULT_BASE_IMAGE, DEFAULT_NODE_VERSION, DEFAULT_UID, Image } from "../image";
import { kubernetesManifests, kustomizeBase, parseReference, toYaml } from "../manifests";
import { PLATFORMS, type Platform } from "../node-binary";
import { PACKAGE_ROOT } from "../paths";
import { findWorkspace, findWorkspacePackage } from "../workspace";

const VERSION = (
  JSON.parse(readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }
).version;

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`"${value}" is not a whole number`);
  return n;
}

function list(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

// ---- options shared by `context` and `build` ------------------------------------------------------

const ImageFlags = z.object({
  connectors: z.array(z.string()).min(1, "name at least one connector (or all)"),
  npmPackages: z.array(z.string()).default([]),
  registry: z.string().min(1),
  name: z.string().optional(),
  tag: z.string().optional(),
  baseImage: z.string().min(1),
  nodeVersion: z.string().min(1),
  env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=/, "KEY=VALUE")).default([]),
  from: z.enum(["workspace", "registry"]).optional(),
  platform: z.enum(PLATFORMS as [Platform, ...Platform[]]).optional(),
  uid: z.number().int().min(1),
  cacheDir: z.string().min(1),
  out: z.string().optional(),
  quiet: z.boolean().default(false),
});
type ImageFlags = z.infer<typeof ImageFlags>;

function addImageOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "-c, --connectors <names>",
        'connector packages: workspace names (bigquery, @flyte-connectors/connector-bigquery), npm specs (@acme/x@1.2.3), a folder or .tgz; comma-separated or repeated; "all" = every connector in the workspace (default: all, inside the workspace)',
      ).argParser(list),
    )
    .addOption(
      new Option(
        "--npm-packages <specs>",
        "other packages to install (their bins land on PATH), e.g. @flyte-connectors/bigquery-emulator",
      ).argParser(list),
    )
    .addOption(
      new Option(
        "--registry <registry>",
        "registry and namespace, e.g. ghcr.io/acme or 127.0.0.1:5000",
      ).default("localhost"),
    )
    .addOption(
      new Option(
        "--name <name>",
        'repository name (default: the connector package name without scope for one connector, "flyte-connectors" for several)',
      ),
    )
    .addOption(
      new Option("--tag <tag>", "image tag (default: the first 12 hex digits of the context's sha256)"),
    )
    .addOption(
      new Option("--base-image <ref>", "image to build on (any glibc Linux)").default(DEFAULT_BASE_IMAGE),
    )
    .addOption(
      new Option(
        "--node-version <version>",
        "exact Node.js version put into the image (npm package node-linux-<arch>)",
      ).default(DEFAULT_NODE_VERSION),
    )
    .addOption(
      new Option("-e, --env <KEY=VALUE>", "environment variable set in the image (repeatable)").argParser(
        (v: string, p: string[] = []) => [...p, v],
      ),
    )
    .addOption(
      new Option(
        "--from <source>",
        "workspace: pack the workspace packages as they are now (built dist), so unpublished changes go in; registry: install exact published versions (default: workspace inside an npm workspace)",
      ).choices(["workspace", "registry"]),
    )
    .addOption(
      new Option("--platform <platform>", "image platform (default: this machine's)").choices([...PLATFORMS]),
    )
    .addOption(
      new Option("--uid <uid>", "numeric user the server runs as").argParser(integer).default(DEFAULT_UID),
    )
    .addOption(new Option("--cache-dir <dir>", "cache for Node.js binaries").default(defaultCacheDir()))
    .addOption(new Option("-q, --quiet", "print only the result, no progress"));
}

function parseFlags<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ImageError(
      "bad-input",
      parsed.error.issues.map((i) => `--${kebab(String(i.path[0] ?? ""))}: ${i.message}`).join("\n"),
    );
  }
  return parsed.data;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Expands `all` to every connector package of the workspace. */
function expandConnectors(names: string[], cwd: string): string[] {
  if (!names.includes("all")) return names;
  const workspace = findWorkspace(cwd);
  if (!workspace)
    throw new ImageError(
      "bad-input",
      "--connectors all needs an npm workspace (run inside the monorepo) or a list of packages",
    );
  const all = workspace.packages.filter((p) => p.isConnector).map((p) => p.name);
  if (all.length === 0)
    throw new ImageError("workspace", `no package in ${workspace.root} declares "flyteConnector"`);
  return [...new Set([...names.filter((n) => n !== "all"), ...all])];
}

/** The package name of a folder given as a connector (`--connectors .` in a connector's own project). */
function folderPackageName(folder: string): string | undefined {
  try {
    const name = (JSON.parse(readFileSync(path.join(folder, "package.json"), "utf8")) as { name?: unknown }).name;
    return typeof name === "string" ? name : undefined;
  } catch {
    return undefined;
  }
}

function defaultName(connectors: string[], cwd: string): string {
  if (connectors.length !== 1) return "flyte-connectors";
  const pkg = findWorkspacePackage(findWorkspace(cwd), connectors[0]);
  const name = (pkg?.name ?? folderPackageName(path.resolve(cwd, connectors[0])) ?? connectors[0])
    .replace(/@[^/]*$/, "")
    .replace(/^@[^/]+\//, "")
    .replace(/\.tgz$/, "");
  return (
    path
      .basename(name)
      .toLowerCase()
      .replace(/[^a-z0-9._-]/g, "-") || "flyte-connector"
  );
}

function imageFromFlags(flags: ImageFlags, cwd: string): Image {
  const connectors = expandConnectors(flags.connectors, cwd);
  let image = Image.fromDebianBase({
    registry: flags.registry,
    name: flags.name ?? defaultName(connectors, cwd),
    nodeVersion: flags.nodeVersion,
  })
    .withConnectors(...connectors)
    .withBaseImage(flags.baseImage)
    .withUser(flags.uid);
  if (flags.npmPackages.length) image = image.withNpmPackages(...flags.npmPackages);
  if (flags.env.length)
    image = image.withEnv(
      Object.fromEntries(
        flags.env.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
      ),
    );
  if (flags.tag) image = image.withTag(flags.tag);
  return image;
}

function sec(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Progress on stderr, one line per event, so stdout carries only the result. */
function progressPrinter(quiet: boolean): ((event: ProgressEvent) => void) | undefined {
  if (quiet) return undefined;
  const colour = process.stderr.isTTY && !process.env.NO_COLOR;
  return ({ step, message }) => {
    const label = `[${step}]`.padEnd(10);
    process.stderr.write(`${colour ? `\x1b[2m${label}\x1b[0m` : label}${message}\n`);
  };
}

// ---- manifests -----------------------------------------------------------------------------------

const ManifestFlags = z.object({
  image: z.string().min(1),
  name: z.string().optional(),
  namespace: z.string().min(1),
  connectors: z.array(z.string()).optional(),
  taskTypes: z.array(z.string()).optional(),
  replicas: z.number().int().min(1),
  minReplicas: z.number().int().min(1),
  maxReplicas: z.number().int().min(1),
  cpuTarget: z.number().int().min(1).max(100),
  autoscaling: z.boolean(),
  cpuRequest: z.string(),
  memoryRequest: z.string(),
  memoryLimit: z.string(),
  shutdownGrace: z.number().int().min(0),
  workers: z.number().int().min(1),
  maxConnectionAge: z.number().int().min(0),
  uid: z.number().int().min(1),
  format: z.enum(["kubernetes", "kustomize", "backend-config", "all"]).optional(),
  out: z.string().optional(),
});
type ManifestFlags = z.infer<typeof ManifestFlags>;

function imageName(reference: string): string {
  const { repository } = parseReference(reference);
  return (
    repository
      .slice(repository.lastIndexOf("/") + 1)
      .replace(/[^a-z0-9-]/g, "-")
      .replace(/^-+|-+$/g, "") || "flyte-connectors"
  );
}

interface WrittenManifests {
  files: string[];
}

/** Writes (or prints) the manifests for one image. */
export async function writeManifests(
  flags: ManifestFlags,
  taskTypes: string[],
  cwd: string,
): Promise<WrittenManifests> {
  const name = flags.name ?? imageName(flags.image);
  const manifests = kubernetesManifests({
    image: flags.image,
    name,
    namespace: flags.namespace,
    replicas: flags.replicas,
    autoscaling: flags.autoscaling
      ? { minReplicas: flags.minReplicas, maxReplicas: flags.maxReplicas, cpuUtilization: flags.cpuTarget }
      : false,
    resources: {
      cpuRequest: flags.cpuRequest,
      memoryRequest: flags.memoryRequest,
      memoryLimit: flags.memoryLimit,
    },
    shutdownGraceMs: flags.shutdownGrace * 1000,
    workers: flags.workers,
    maxConnectionAgeMs: flags.maxConnectionAge * 1000,
    uid: flags.uid,
    taskTypes,
  });
  const backend = backendConfigYaml([{ id: name, service: name, namespace: flags.namespace, taskTypes }]);
  const format = flags.format ?? (flags.out ? "all" : "kubernetes");
  if (!flags.out) {
    if (format === "kustomize" || format === "all")
      throw new ImageError("bad-input", `--format ${format} writes several files: give --out <dir>`);
    process.stdout.write(format === "backend-config" ? backend : toYaml(manifests));
    return { files: [] };
  }
  const out = path.resolve(cwd, flags.out);
  const files: Record<string, string> = {};
  if (format === "kubernetes" || format === "all") files["kubernetes.yaml"] = toYaml(manifests);
  if (format === "kustomize" || format === "all") {
    for (const [file, text] of Object.entries(kustomizeBase(manifests, flags.image)))
      files[`kustomize/${file}`] = text;
  }
  if (format === "backend-config" || format === "all") files["flyte-backend-config.yaml"] = backend;
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(out, file)), { recursive: true });
    writeFileSync(path.join(out, file), text);
  }
  return { files: Object.keys(files).map((f) => path.join(out, f)) };
}

function addManifestOptions(command: Command, withImage: boolean): Command {
  if (withImage)
    command.addOption(new Option("--image <ref>", "the image reference (registry/name:tag or @sha256:...)"));
  return command
    .addOption(new Option("--namespace <ns>", "Kubernetes namespace").default("flyte"))
    .addOption(new Option("--replicas <n>", "replicas without autoscaling").argParser(integer).default(2))
    .addOption(new Option("--min-replicas <n>", "autoscaler minimum").argParser(integer).default(2))
    .addOption(new Option("--max-replicas <n>", "autoscaler maximum").argParser(integer).default(10))
    .addOption(
      new Option("--cpu-target <percent>", "autoscaler CPU utilisation target")
        .argParser(integer)
        .default(70),
    )
    .addOption(new Option("--no-autoscaling", "no HorizontalPodAutoscaler; fixed --replicas"))
    .addOption(new Option("--cpu-request <q>", "CPU request").default("250m"))
    .addOption(new Option("--memory-request <q>", "memory request").default("256Mi"))
    .addOption(new Option("--memory-limit <q>", "memory limit").default("512Mi"))
    .addOption(
      new Option(
        "--shutdown-grace <seconds>",
        "the server's drain time on SIGTERM; the pod's grace period is set above it",
      )
        .argParser(integer)
        .default(30),
    )
    .addOption(
      new Option("--workers <n>", "server processes per pod (flyte-connector serve --workers)")
        .argParser(integer)
        .default(1),
    )
    .addOption(
      new Option(
        "--max-connection-age <seconds>",
        "the server closes client connections this old, so new replicas get calls (0: never)",
      )
        .argParser(integer)
        .default(300),
    );
}

// ---- the program ---------------------------------------------------------------------------------

export function buildProgram(cwd = process.cwd()): Command {
  const program = new Command("flyte-connector-image")
    .description(
      "Build Flyte connector images, their Kubernetes manifests and the Flyte backend configuration",
    )
    .version(VERSION, "--version")
    .showHelpAfterError()
    .exitOverride();

  addImageOptions(
    program
      .command("context")
      .description(
        "install the connectors on this machine and write the build context (Dockerfile, image.json, rootfs/) to a folder",
      )
      .version(VERSION, "--version"),
  )
    .addOption(
      new Option("-o, --out <dir>", "folder to write the context to (emptied first)").default(
        "image-context",
      ),
    )
    .action(async (raw: Record<string, unknown>) => {
      const flags = parseFlags(ImageFlags, withDefaults(raw, cwd));
      const image = imageFromFlags(flags, cwd);
      const context = await createContext(image, {
        from: flags.from,
        platform: flags.platform,
        outDir: path.resolve(cwd, flags.out ?? "image-context"),
        cacheDir: flags.cacheDir,
        cwd,
        onProgress: progressPrinter(flags.quiet),
      });
      process.stdout.write(
        `context    ${context.dir}\nreference  ${context.reference}\nsha256     ${context.hash}\ntask types ${context.manifest.taskTypes.join(", ")}\n`,
      );
    });

  addManifestOptions(
    addImageOptions(
      program
        .command("build")
        .description("write the context, build the image with docker, podman or buildah, and push it")
        .version(VERSION, "--version"),
    )
      .addOption(
        new Option(
          "--builder <builder>",
          "container builder; auto picks docker (engine running), then podman, then buildah",
        )
          .choices([...BUILDERS])
          .default("auto"),
      )
      .addOption(new Option("--push", "push to the registry after building"))
      .addOption(
        new Option(
          "--no-tls-verify",
          "push to a registry over plain HTTP or with a self-signed certificate (podman, buildah)",
        ),
      )
      .addOption(new Option("-o, --out <dir>", "keep the build context in this folder"))
      .addOption(
        new Option(
          "--manifests-out <dir>",
          "also write Kubernetes manifests and the Flyte backend config for the built image here",
        ),
      )
      .addOption(new Option("--json", "print the result as JSON")),
    false,
  ).action(async (raw: Record<string, unknown>) => {
    const flags = parseFlags(ImageFlags, withDefaults(raw, cwd));
    const image = imageFromFlags(flags, cwd);
    const started = Date.now();
    const result = await ImageBuildEngine.build(image, {
      builder: raw.builder as BuilderName,
      push: raw.push === true,
      tlsVerify: raw.tlsVerify !== false,
      from: flags.from,
      platform: flags.platform,
      outDir: flags.out ? path.resolve(cwd, flags.out) : undefined,
      cacheDir: flags.cacheDir,
      cwd,
      onProgress: progressPrinter(flags.quiet),
    });
    const seconds = (Date.now() - started) / 1000;
    let manifestFiles: string[] = [];
    if (typeof raw.manifestsOut === "string") {
      // Pinned by digest (repository@sha256:...), the form every tool accepts, when the registry has it.
      const pinned =
        result.digest && result.pushed
          ? `${parseReference(result.reference).repository}@${result.digest}`
          : result.reference;
      const manifestFlags = parseFlags(ManifestFlags, {
        ...raw,
        image: pinned,
        name: image.name.split("/").pop(),
        out: raw.manifestsOut,
        format: "all",
        autoscaling: raw.autoscaling !== false,
      });
      manifestFiles = (await writeManifests(manifestFlags, result.context.manifest.taskTypes, cwd)).files;
    }
    if (raw.json) {
      const { context, ...rest } = result;
      process.stdout.write(
        JSON.stringify(
          {
            ...rest,
            taskTypes: context.manifest.taskTypes,
            contextHash: context.hash,
            contextDir: flags.out ? context.dir : undefined,
            manifests: manifestFiles,
            seconds,
          },
          null,
          2,
        ) + "\n",
      );
      return;
    }
    process.stdout.write(
      [
        `reference  ${result.reference}`,
        ...(result.digest ? [`digest     ${result.digest}${result.pushed ? " (pushed)" : " (local)"}`] : []),
        `builder    ${result.builder}`,
        `task types ${result.context.manifest.taskTypes.join(", ")}`,
        ...(flags.out ? [`context    ${result.context.dir}`] : []),
        ...manifestFiles.map((f, i) => `${i === 0 ? "manifests  " : "           "}${f}`),
        `took       ${seconds.toFixed(1)} s (context ${sec(result.timingsMs.context)}, build ${sec(result.timingsMs.build)}` +
          `${result.pushed ? `, push ${sec(result.timingsMs.push)}` : ""})`,
      ].join("\n") + "\n",
    );
  });

  addManifestOptions(
    program
      .command("manifests")
      .description(
        "write Kubernetes manifests (plain and kustomize) and the Flyte backend config for an image",
      )
      .version(VERSION, "--version"),
    true,
  )
    .addOption(
      new Option(
        "--name <name>",
        "name of the Kubernetes objects and the backend's connector entry (default: from the image)",
      ),
    )
    .addOption(
      new Option(
        "-c, --connectors <names>",
        'connector packages in the workspace whose task types the image serves ("all" for every one)',
      ).argParser(list),
    )
    .addOption(
      new Option("--task-types <types>", "task types the image serves, instead of --connectors").argParser(
        list,
      ),
    )
    .addOption(new Option("--uid <uid>", "the image's numeric user").argParser(integer).default(DEFAULT_UID))
    .addOption(
      new Option(
        "--format <format>",
        "what to write (default: all with --out, kubernetes to stdout without)",
      ).choices(["kubernetes", "kustomize", "backend-config", "all"]),
    )
    .addOption(
      new Option(
        "-o, --out <dir>",
        "folder to write kubernetes.yaml, kustomize/ and flyte-backend-config.yaml to",
      ),
    )
    .action(async (raw: Record<string, unknown>) => {
      const flags = parseFlags(ManifestFlags, raw);
      let taskTypes = flags.taskTypes ?? [];
      if (flags.connectors?.length) {
        const workspace = findWorkspace(cwd);
        if (!workspace)
          throw new ImageError(
            "bad-input",
            "--connectors needs the npm workspace; outside it, give --task-types",
          );
        const names = expandConnectors(flags.connectors, cwd).map((n) => {
          const pkg = findWorkspacePackage(workspace, n);
          if (!pkg) throw new ImageError("bad-input", `${n} is not a package of the workspace`);
          return pkg.name;
        });
        const served = await workspaceConnectors(workspace.root, names);
        taskTypes = [...new Set([...taskTypes, ...served.map((c) => c.taskType)])].sort();
      }
      if (taskTypes.length === 0)
        throw new ImageError(
          "bad-input",
          "say what the image serves: --connectors <names|all> or --task-types <types>",
        );
      const { files } = await writeManifests(flags, taskTypes, cwd);
      for (const f of files) process.stdout.write(`${f}\n`);
    });

  return program;
}

/** Commander leaves list options undefined when absent; fill in what depends on the workspace. */
function withDefaults(raw: Record<string, unknown>, cwd: string): Record<string, unknown> {
  const connectors = (raw.connectors as string[] | undefined) ?? (findWorkspace(cwd) ? ["all"] : []);
  return {
    ...raw,
    connectors,
    npmPackages: raw.npmPackages ?? [],
    env: raw.env ?? [],
    quiet: raw.quiet === true,
  };
}

/** Runs the CLI; resolves with the exit code. */
export async function main(argv = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "commander.helpDisplayed" || code === "commander.version" || code === "commander.help")
      return 0;
    if (typeof code === "string" && code.startsWith("commander.")) return 2; // commander printed why
    if (error instanceof ImageError) {
      process.stderr.write(
        `flyte-connector-image: ${error.message}\n${error.hint ? `  hint: ${error.hint}\n` : ""}`,
      );
      return error.code === "bad-input" ? 2 : 1;
    }
    process.stderr.write(
      `flyte-connector-image: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}

if (require.main === module) {
  main().then((code) => process.exit(code));
}
