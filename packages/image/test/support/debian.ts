/** Installs Debian packages a test needs when they are missing (root and apt-get only; never elsewhere). */
import { spawnSync } from "node:child_process";

let updated = false;

export function haveCommand(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

/**
 * Makes sure each command exists, installing its Debian package (first of the candidates that installs)
 * when it does not. Returns why it could not, or undefined when every command is there.
 */
export function ensureCommands(wanted: Record<string, string[]>): string | undefined {
  const missing = Object.entries(wanted).filter(([command]) => !haveCommand(command));
  if (missing.length === 0) return undefined;
  if (process.getuid?.() !== 0)
    return `missing ${missing.map(([c]) => c).join(", ")} and not root, so apt-get cannot install them`;
  if (!haveCommand("apt-get"))
    return `missing ${missing.map(([c]) => c).join(", ")} and no apt-get on this machine`;
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  if (!updated) {
    const update = spawnSync("apt-get", ["update", "-qq"], { env, encoding: "utf8", timeout: 300_000 });
    if (update.status !== 0) return `apt-get update failed: ${update.stderr.slice(-500)}`;
    updated = true;
  }
  for (const [command, packages] of missing) {
    for (const pkg of packages) {
      const install = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", pkg], {
        env,
        encoding: "utf8",
        timeout: 600_000,
      });
      if (install.status === 0 && haveCommand(command)) break;
    }
    if (!haveCommand(command))
      return `could not install ${command} (tried apt-get install ${packages.join(" or ")})`;
  }
  return undefined;
}
