// The upstream protobuf-es encoder (@flyteorg/flyteidl2), loadable from plain Node 20.
//
// The npm package ships only TypeScript sources (`*_pb.ts` importing each other with `.ts` extensions),
// which Node 20 cannot import. We transpile the files that the connector messages need — nothing else —
// with the workspace's TypeScript into tmp/bench/flyteidl2-<version>/ once, then import the JS. Using the
// upstream encoder (not the runtime's generated types) keeps the bench independent of runtime internals
// and means the requests are exactly what a protobuf-es client sends.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** Transpiles `entry` (a path inside the upstream package) and every relative import it reaches. */
function transpileClosure(ts, pkgDir, outDir, entries) {
  const queue = [...entries];
  const done = new Set();
  while (queue.length > 0) {
    const rel = queue.pop();
    if (done.has(rel)) continue;
    done.add(rel);
    const source = readFileSync(path.join(pkgDir, rel), "utf8");
    // Follow relative imports (`import ... from "../core/execution_pb.ts"`); package imports resolve normally.
    for (const m of source.matchAll(/from\s+"(\.{1,2}\/[^"]+\.ts)"/g)) {
      queue.push(path.posix.normalize(path.posix.join(path.posix.dirname(rel), m[1])));
    }
    const { outputText } = ts.transpileModule(source, {
      fileName: rel,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        rewriteRelativeImportExtensions: true,
        verbatimModuleSyntax: false,
      },
    });
    const out = path.join(outDir, rel.replace(/\.ts$/, ".js"));
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
}

/**
 * Loads the upstream connector messages: returns `{ create, toBinary, fromBinary, connector, types }`
 * where `connector` is the namespace of flyteidl2/connector/connector_pb and `types` of core/types_pb.
 */
export async function loadUpstream(root) {
  const require = createRequire(path.join(root, "package.json"));
  const pkgJson = require.resolve("@flyteorg/flyteidl2/package.json");
  const pkgDir = path.dirname(pkgJson);
  const { version } = JSON.parse(readFileSync(pkgJson, "utf8"));
  // Under the repo root, so the transpiled files resolve @bufbuild/protobuf from the root node_modules.
  const outDir = path.join(root, "tmp/bench", `flyteidl2-${version}`);
  const entries = [
    "flyteidl2/connector/connector_pb.ts",
    "flyteidl2/core/types_pb.ts",
    "flyteidl2/core/execution_pb.ts",
  ];
  if (!existsSync(path.join(outDir, "package.json"))) {
    const ts = require("typescript");
    transpileClosure(ts, pkgDir, outDir, entries);
    // Written last: its presence marks a complete cache.
    writeFileSync(
      path.join(outDir, "package.json"),
      JSON.stringify({ type: "module", private: true }) + "\n",
    );
  }
  const load = (rel) => import(pathToFileURL(path.join(outDir, rel.replace(/\.ts$/, ".js"))).href);
  const [connector, types, execution] = await Promise.all(entries.map(load));
  const protobuf = await import(pathToFileURL(require.resolve("@bufbuild/protobuf")).href);
  return {
    version,
    create: protobuf.create,
    toBinary: protobuf.toBinary,
    fromBinary: protobuf.fromBinary,
    connector,
    types,
    execution,
  };
}
