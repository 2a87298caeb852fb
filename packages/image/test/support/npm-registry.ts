/**
 * A minimal npm registry for one scope, serving packages packed from the workspace: packuments at
 * `/<name>` and tarballs at `/-/<file>`. npm is pointed at it for that scope only
 * (`npm_config_@scope:registry`), so everything else still comes from the real registry. It stands in for
 * publishing, which a test cannot do.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";

export interface ScopedRegistry {
  url: string;
  /** Paths requested, in order. */
  requests: string[];
  /** Package name → the integrity its packument gives (npm records it in package-lock.json). */
  integrity: Record<string, string>;
  close(): Promise<void>;
}

export async function startScopedRegistry(
  packageDirs: string[],
  tarballDir: string,
): Promise<ScopedRegistry> {
  const packed = JSON.parse(
    execFileSync(
      "npm",
      ["pack", ...packageDirs, "--pack-destination", tarballDir, "--json", "--ignore-scripts", "--silent"],
      { encoding: "utf8" },
    ),
  ) as Array<{ name: string; version: string; filename: string }>;
  const requests: string[] = [];
  const integrity = Object.fromEntries(
    packed.map((p) => [
      p.name,
      `sha512-${createHash("sha512")
        .update(readFileSync(path.join(tarballDir, file(p))))
        .digest("base64")}`,
    ]),
  );
  let base = "";
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? "/").split("?")[0]);
    requests.push(url);
    const tarball = url.startsWith("/-/") ? packed.find((p) => `/-/${file(p)}` === url) : undefined;
    if (tarball) {
      res
        .writeHead(200, { "content-type": "application/octet-stream" })
        .end(readFileSync(path.join(tarballDir, file(tarball))));
      return;
    }
    const versions = packed.filter((p) => `/${p.name}` === url);
    if (versions.length === 0) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
      return;
    }
    const packument = {
      name: versions[0].name,
      "dist-tags": { latest: versions[versions.length - 1].version },
      versions: Object.fromEntries(
        versions.map((p) => {
          const bytes = readFileSync(path.join(tarballDir, file(p)));
          const manifest = JSON.parse(
            execFileSync("tar", ["-xzOf", path.join(tarballDir, file(p)), "package/package.json"], {
              encoding: "utf8",
            }),
          );
          return [
            p.version,
            {
              ...manifest,
              dist: {
                tarball: `${base}/-/${file(p)}`,
                shasum: createHash("sha1").update(bytes).digest("hex"),
                integrity: integrity[p.name],
              },
            },
          ];
        }),
      ),
    };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(packument));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: base,
    requests,
    integrity,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function file(p: { filename: string }): string {
  return p.filename.replace(/^@/, "").replace(/\//g, "-");
}
