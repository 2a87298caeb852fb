import { existsSync } from "node:fs";
import path from "node:path";
import { ImageError } from "./errors";

/** The package folder: this file sits one level below it both as `src/paths.ts` and as `dist/paths.js`. */
export const PACKAGE_ROOT = path.resolve(__dirname, "..");

/** Compiled helper scripts that run in child processes or inside images (they need the package built). */
export function compiledScript(name: "c0" | "inspect-connectors"): string {
  const file = path.join(PACKAGE_ROOT, "dist", `${name}.js`);
  if (!existsSync(file)) {
    throw new ImageError("workspace", `${file} is missing`, {
      hint: "build the package first: npx nx run @flyte-connectors/image:build",
    });
  }
  return file;
}

/**
 * The Dockerfile templates. In the repository they live in the top-level `docker/` folder; the published
 * package carries a copy in `templates/` (made by its `prepack` script).
 */
export function templateFile(name: string): string {
  const candidates = [
    path.join(PACKAGE_ROOT, "templates", name),
    path.resolve(PACKAGE_ROOT, "../../docker", name),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new ImageError("workspace", `template ${name} not found in ${candidates.join(" or ")}`);
  return found;
}
