/**
 * Container tooling for the end-to-end build: Buildah/Podman/skopeo settings that work on a machine
 * without a container engine or systemd, a throwaway local registry, and a Debian base image assembled
 * with debootstrap (no public base image can be pulled here), cached between runs.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { startProcess, type RunningProcess } from "./servers";

export interface ContainerEnv {
  env: NodeJS.ProcessEnv;
  confDir: string;
}

/**
 * Settings for Buildah, Podman and skopeo here: chroot isolation (crun fails on cgroups), runc with explicit
 * ulimits (without them runc fails "error setting rlimit"), and the local registry over plain HTTP.
 */
export function containerEnv(confDir: string, registry: string): ContainerEnv {
  mkdirSync(confDir, { recursive: true });
  writeFileSync(
    path.join(confDir, "containers.conf"),
    '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n\n[engine]\nruntime = "runc"\n',
  );
  writeFileSync(
    path.join(confDir, "registries.conf"),
    `[[registry]]\nlocation = "${registry}"\ninsecure = true\n`,
  );
  return {
    confDir,
    env: {
      ...process.env,
      BUILDAH_ISOLATION: "chroot",
      CONTAINERS_CONF: path.join(confDir, "containers.conf"),
      CONTAINERS_REGISTRIES_CONF: path.join(confDir, "registries.conf"),
    },
  };
}

export function sh(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 600_000,
): SpawnSyncReturns<string> {
  return spawnSync(command, args, { env, encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
}

export function shOk(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs?: number): string {
  const r = sh(command, args, env, timeoutMs);
  if (r.status !== 0)
    throw new Error(
      `${command} ${args.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`,
    );
  return r.stdout;
}

function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    http.get(url, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on("error", () => resolve(0));
  });
}

/** A distribution registry on 127.0.0.1:`port` with its own config (Debian's default one enables htpasswd). */
export async function startRegistry(dir: string, port: number): Promise<RunningProcess> {
  mkdirSync(path.join(dir, "data"), { recursive: true });
  const config = path.join(dir, "config.yml");
  writeFileSync(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${path.join(dir, "data")}`,
      "  delete:",
      "    enabled: true",
      "http:",
      `  addr: 127.0.0.1:${port}`,
      "",
    ].join("\n"),
  );
  const registry = startProcess("docker-registry", ["serve", config]);
  for (let i = 0; i < 300; i++) {
    if ((await get(`http://127.0.0.1:${port}/v2/`)) === 200) return registry;
    const died = registry.exited();
    if (died) throw new Error(`registry exited: ${died}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await registry.stop("SIGKILL");
  throw new Error("the registry never answered /v2/");
}

export const BASE_IMAGE = "localhost/flyte-connectors-test-base:bookworm-minbase";

/**
 * Debian 12 minbase as a local image. Cold: debootstrap (about a minute), trimmed of what a server never
 * reads (apt lists and caches, docs, man pages, locales), saved as a tarball under `cacheDir`. Warm: the
 * image is still in local storage, or is imported again from that tarball in seconds.
 */
export function ensureBaseImage(
  cacheDir: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): { ref: string; how: string } {
  if (sh("buildah", ["inspect", "--type", "image", BASE_IMAGE], env).status === 0)
    return { ref: BASE_IMAGE, how: "in local storage" };
  const tarball = path.join(cacheDir, "base", "debian-bookworm-minbase.tar");
  let how = "imported from the cached tarball";
  if (!existsSync(tarball)) {
    how = "debootstrap (cold)";
    const root = path.join(cacheDir, "base", "rootfs.tmp");
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    log("debootstrap --variant=minbase bookworm (cold base)");
    shOk(
      "debootstrap",
      ["--variant=minbase", "bookworm", root, process.env.DEBIAN_MIRROR ?? "http://deb.debian.org/debian"],
      env,
      900_000,
    );
    for (const junk of [
      "var/cache/apt",
      "var/lib/apt/lists",
      "usr/share/doc",
      "usr/share/man",
      "usr/share/locale",
      "usr/share/info",
      "var/log",
    ]) {
      const p = path.join(root, junk);
      rmSync(p, { recursive: true, force: true });
      mkdirSync(p, { recursive: true });
    }
    const partial = `${tarball}.partial`;
    shOk(
      "tar",
      ["--sort=name", "--mtime=@315532800", "--numeric-owner", "-C", root, "-cf", partial, "."],
      env,
    );
    renameSync(partial, tarball);
    rmSync(root, { recursive: true, force: true });
  }
  const container = shOk("buildah", ["from", "scratch"], env).trim();
  try {
    shOk("buildah", ["add", container, tarball, "/"], env);
    shOk(
      "buildah",
      [
        "config",
        "--env",
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "--cmd",
        "/bin/sh",
        container,
      ],
      env,
    );
    shOk("buildah", ["commit", "--timestamp", "315532800", container, BASE_IMAGE], env);
  } finally {
    sh("buildah", ["rm", container], env);
  }
  return { ref: BASE_IMAGE, how };
}
