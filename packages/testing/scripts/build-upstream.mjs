#!/usr/bin/env node
// Compiles the parts of @flyteorg/flyteidl2 the kit encodes with into dist/upstream (CommonJS + .d.ts).
//
// Why: the kit encodes every request with the upstream protobuf-es code, never with the runtime's
// generated types, so a wire mismatch between the two fails a test. But @flyteorg/flyteidl2 ships only
// .ts sources: jest can transform them, plain node cannot. The kit's dist must load anywhere, so its
// build compiles them; package.json "imports" (#flyteidl2/*) points node at the compiled files and
// jest, inside this repository, at the sources.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(packageRoot, "package.json"));
const idlRoot = path.dirname(require.resolve("@flyteorg/flyteidl2/package.json"));
const idlVersion = JSON.parse(readFileSync(path.join(idlRoot, "package.json"), "utf8")).version;
const outDir = path.join(packageRoot, "dist/upstream");
const stamp = path.join(outDir, "version.json");

// tsc follows their imports; everything they need comes along.
const ENTRIES = [
  "flyteidl2/connector/connector_pb.ts",
  "flyteidl2/core/types_pb.ts",
  "flyteidl2/core/execution_pb.ts",
];

if (existsSync(stamp) && JSON.parse(readFileSync(stamp, "utf8")).version === idlVersion) {
  console.log(`build-upstream: dist/upstream is up to date (@flyteorg/flyteidl2@${idlVersion})`);
  process.exit(0);
}

// tsc never emits files that live under node_modules, so it compiles a copy. The copy sits inside the
// package so its imports of @bufbuild/protobuf resolve from the workspace's node_modules.
const work = mkdtempSync(path.join(packageRoot, ".upstream-"));
try {
  const sourceDir = path.join(work, "src");
  for (const dir of ["flyteidl2", "google", "buf"]) {
    if (existsSync(path.join(idlRoot, dir)))
      cpSync(path.join(idlRoot, dir), path.join(sourceDir, dir), { recursive: true });
  }
  rmSync(outDir, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      require.resolve("typescript/bin/tsc"),
      ...ENTRIES.map((entry) => path.join(sourceDir, entry)),
      "--outDir",
      outDir,
      "--rootDir",
      sourceDir,
      "--module",
      "commonjs",
      "--moduleResolution",
      "node10",
      "--target",
      "es2022",
      "--declaration",
      "--allowImportingTsExtensions",
      "--rewriteRelativeImportExtensions",
      "--skipLibCheck",
      "--types",
      "node",
    ],
    { cwd: packageRoot, stdio: "inherit" },
  );
  // tsc rewrites the .ts extensions of relative imports in the JavaScript it emits, not in declarations.
  for (const entry of readdirSync(outDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".d.ts")) continue;
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    const text = readFileSync(file, "utf8");
    writeFileSync(file, text.replace(/(from\s+"\.{1,2}\/[^"]+)\.ts"/g, '$1.js"'));
  }
  writeFileSync(stamp, `${JSON.stringify({ version: idlVersion })}\n`);
  console.log(`build-upstream: compiled @flyteorg/flyteidl2@${idlVersion} into dist/upstream`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
