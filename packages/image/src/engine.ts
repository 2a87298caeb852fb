import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createContext, type BuildContext, type ContextOptions, type ProgressStep } from "./context";
import { ImageError } from "./errors";
import type { Image } from "./image";
import { hostPlatform } from "./node-binary";
import { canRun, run } from "./run";
import { CONTEXT_EPOCH } from "./tree";

/** Container builders this package drives. "auto" picks the first that works; "none" writes the context only. */
export type BuilderName = "auto" | "docker" | "podman" | "buildah" | "none";
export const BUILDERS: readonly BuilderName[] = ["auto", "docker", "podman", "buildah", "none"];

export interface BuildOptions extends ContextOptions {
  /** Which builder to run. Default "auto": Docker if its engine answers, else Podman, else Buildah. */
  builder?: BuilderName;
  /** Push the image to its registry after building. Default false. */
  push?: boolean;
  /** Verify the registry's TLS certificate when pushing (Podman and Buildah). Default true. */
  tlsVerify?: boolean;
  /** Keep the build context after building. Default false (true when `outDir` is given). */
  keepContext?: boolean;
}

export interface BuildResult {
  /** `registry/name:tag`. */
  reference: string;
  /**
   * Manifest digest: the registry's when pushed, else the local image's (layers uncompressed, so it
   * differs from the pushed one). Undefined with builder "none".
   */
  digest?: string;
  /** Local image ID (the config digest). Undefined with builder "none". */
  imageId?: string;
  /** The builder that ran ("none" when only the context was written). */
  builder: Exclude<BuilderName, "auto">;
  pushed: boolean;
  context: BuildContext;
  /** Milliseconds spent writing the context (installing packages included), building, and pushing. */
  timingsMs: { context: number; build: number; push: number };
}

const INSTALL_HINT =
  "install one of: Docker (with its engine running), Podman or Buildah (Debian/Ubuntu: apt-get install buildah; " +
  "Fedora: dnf install buildah; macOS: brew install podman && podman machine init && podman machine start); " +
  "or pass --builder none to write the build context only";

/** Finds the builder to use; throws naming what to install when there is none. */
export async function resolveBuilder(requested: BuilderName = "auto"): Promise<Exclude<BuilderName, "auto">> {
  const dockerWorks = () => canRun("docker", ["version", "--format", "{{.Server.Version}}"]);
  if (requested === "none") return "none";
  if (requested === "docker") {
    if (await dockerWorks()) return "docker";
    const client = await canRun("docker", ["--version"]);
    throw new ImageError(
      "no-builder",
      client ? "docker is installed but no Docker engine answers" : "docker is not installed",
      {
        hint: client ? "start the Docker engine, or use --builder podman or --builder buildah" : INSTALL_HINT,
      },
    );
  }
  if (requested === "podman" || requested === "buildah") {
    if (await canRun(requested)) return requested;
    throw new ImageError("no-builder", `${requested} is not installed (not found on PATH)`, {
      hint: INSTALL_HINT,
    });
  }
  if (await dockerWorks()) return "docker";
  if (await canRun("podman")) return "podman";
  if (await canRun("buildah")) return "buildah";
  throw new ImageError(
    "no-builder",
    "no container builder found (looked for docker with a running engine, podman, buildah)",
    {
      hint: INSTALL_HINT,
    },
  );
}

/**
 * Builds images: the seed's `ImageBuildEngine`, in TypeScript.
 *
 * ```ts
 * const { reference, digest } = await ImageBuildEngine.build(image, { push: true });
 * ```
 */
export const ImageBuildEngine = {
  /** Writes the build context only (see {@link createContext}). */
  context(image: Image, options: ContextOptions = {}): Promise<BuildContext> {
    return createContext(image, options);
  },

  /** Writes the context, builds the image with the chosen builder, and pushes it when asked. */
  async build(image: Image, options: BuildOptions = {}): Promise<BuildResult> {
    const progress = (step: ProgressStep, message: string) => options.onProgress?.({ step, message });
    // Resolve the builder first: a missing tool should fail before minutes of staging.
    const builder = await resolveBuilder(options.builder ?? "auto");
    let mark = Date.now();
    const lap = (): number => {
      const now = Date.now();
      const ms = now - mark;
      mark = now;
      return ms;
    };
    const context = await createContext(image, options);
    const timingsMs = { context: lap(), build: 0, push: 0 };
    const keep = options.keepContext ?? options.outDir !== undefined;
    const scratch = mkdtempSync(path.join(os.tmpdir(), "flyte-connector-build-"));
    try {
      if (builder === "none")
        return { reference: context.reference, builder, pushed: false, context, timingsMs };
      const platform = options.platform ?? hostPlatform() ?? "linux/amd64";
      const iidFile = path.join(scratch, "iid");
      const onLine = (line: string) => progress("build", line);
      progress("build", `${builder}: building ${context.reference}`);
      if (builder === "docker") {
        await run(
          "docker",
          [
            "build",
            "--platform",
            platform,
            "-f",
            context.dockerfile,
            "-t",
            context.reference,
            "--iidfile",
            iidFile,
            context.dir,
          ],
          {
            // BuildKit stamps the image with this time instead of now, as --timestamp does for Buildah.
            env: { ...process.env, SOURCE_DATE_EPOCH: String(CONTEXT_EPOCH) },
            onLine,
            what: "docker build",
          },
        );
      } else {
        const verb = builder === "buildah" ? "bud" : "build";
        await run(
          builder,
          [
            verb,
            "--layers",
            "--timestamp",
            String(CONTEXT_EPOCH),
            "--platform",
            platform,
            "-f",
            context.dockerfile,
            "-t",
            context.reference,
            "--iidfile",
            iidFile,
            context.dir,
          ],
          { onLine, what: `${builder} ${verb}` },
        );
      }
      const imageId = readFileSync(iidFile, "utf8").trim();
      let digest = await localDigest(builder, context.reference);
      timingsMs.build = lap();
      let pushed = false;
      if (options.push) {
        progress("push", `pushing ${context.reference}`);
        digest = await push(builder, context.reference, scratch, options.tlsVerify ?? true, (line) =>
          progress("push", line),
        );
        pushed = true;
        timingsMs.push = lap();
      }
      return {
        reference: context.reference,
        digest,
        imageId: imageId.startsWith("sha256:") ? imageId : `sha256:${imageId}`,
        builder,
        pushed,
        context,
        timingsMs,
      };
    } finally {
      rmSync(scratch, { recursive: true, force: true });
      if (!keep) rmSync(context.dir, { recursive: true, force: true });
    }
  },
};

async function localDigest(
  builder: "docker" | "podman" | "buildah",
  reference: string,
): Promise<string | undefined> {
  try {
    if (builder === "docker") return undefined; // Docker knows a digest only once an image is pushed.
    const format = builder === "buildah" ? "{{.FromImageDigest}}" : "{{.Digest}}";
    const args =
      builder === "buildah"
        ? ["inspect", "--type", "image", "--format", format, reference]
        : ["image", "inspect", "--format", format, reference];
    const { stdout } = await run(builder, args);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

async function push(
  builder: "docker" | "podman" | "buildah",
  reference: string,
  scratch: string,
  tlsVerify: boolean,
  onLine: (line: string) => void,
): Promise<string> {
  const hint =
    "check that you are logged in to the registry (docker/podman/buildah login) and may push to it";
  if (builder === "docker") {
    await run("docker", ["push", reference], { onLine, errorCode: "push", what: "docker push", hint });
    const { stdout } = await run(
      "docker",
      ["image", "inspect", "--format", "{{json .RepoDigests}}", reference],
      { errorCode: "push" },
    );
    const repository = reference.slice(0, reference.lastIndexOf(":"));
    const match = (JSON.parse(stdout) as string[]).find((d) => d.startsWith(`${repository}@`));
    if (!match) throw new ImageError("push", `docker pushed ${reference} but reports no digest for it`);
    return match.slice(match.indexOf("@") + 1);
  }
  const digestFile = path.join(scratch, "digest");
  const args = [
    "push",
    `--tls-verify=${tlsVerify}`,
    "--digestfile",
    digestFile,
    reference,
    `docker://${reference}`,
  ];
  await run(builder, args, { onLine, errorCode: "push", what: `${builder} push`, hint });
  return readFileSync(digestFile, "utf8").trim();
}
