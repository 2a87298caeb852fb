import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { ImageError } from "./errors";
import { run } from "./run";

export type Platform = "linux/amd64" | "linux/arm64";
export const PLATFORMS: readonly Platform[] = ["linux/amd64", "linux/arm64"];

/** The platform of this machine as an image platform, or undefined when no image platform matches it. */
export function hostPlatform(): Platform | undefined {
  if (process.platform !== "linux") return process.arch === "arm64" ? "linux/arm64" : "linux/amd64";
  return process.arch === "x64" ? "linux/amd64" : process.arch === "arm64" ? "linux/arm64" : undefined;
}

/** npm's names for CPU architectures (`--cpu`), and the suffix of the node-linux-* packages. */
export function npmArch(platform: Platform): "x64" | "arm64" {
  return platform === "linux/arm64" ? "arm64" : "x64";
}

export interface NodeBinary {
  /** The `node` executable. */
  node: string;
  /** Node.js's license file, shipped next to the binary. */
  license: string;
}

/**
 * The official Node.js binary for `version` and `platform`, from the npm package `node-linux-<arch>`,
 * kept under `cacheDir/node/` so it is fetched once per version.
 */
export async function nodeBinary(
  version: string,
  platform: Platform,
  cacheDir: string,
  onLine?: (line: string) => void,
): Promise<NodeBinary> {
  const arch = npmArch(platform);
  const dir = path.join(cacheDir, "node", `${version}-linux-${arch}`);
  const result = { node: path.join(dir, "node"), license: path.join(dir, "LICENSE") };
  if (existsSync(result.node) && existsSync(result.license)) return result;

  mkdirSync(path.dirname(dir), { recursive: true });
  const work = mkdtempSync(path.join(path.dirname(dir), ".fetch-"));
  try {
    const spec = `node-linux-${arch}@${version}`;
    onLine?.(`fetching ${spec} from the npm registry`);
    const packed = await run("npm", ["pack", spec, "--pack-destination", work, "--json", "--silent"], {
      errorCode: "npm",
      what: `npm pack ${spec}`,
      hint: `check that Node.js ${version} exists (npm view node-linux-${arch} versions) and that the npm registry is reachable`,
    });
    const [{ filename }] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
    await run("tar", ["-xzf", path.join(work, filename), "-C", work, "package/bin/node", "package/LICENSE"], {
      errorCode: "npm",
    });
    const staged = path.join(work, "staged");
    mkdirSync(staged);
    renameSync(path.join(work, "package/bin/node"), path.join(staged, "node"));
    renameSync(path.join(work, "package/LICENSE"), path.join(staged, "LICENSE"));
    // Rename last, so a concurrent or interrupted fetch never leaves a half-written binary in the cache.
    rmSync(dir, { recursive: true, force: true });
    renameSync(staged, dir);
    return result;
  } catch (error) {
    if (error instanceof ImageError) throw error;
    throw new ImageError("npm", `could not unpack node-linux-${arch}@${version}: ${String(error)}`, {
      cause: error,
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
