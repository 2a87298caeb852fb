#!/usr/bin/env node
// After tsc: rewrites this package's own `#flyteidl2/*` specifiers in dist to relative paths into
// dist/upstream (see build-upstream.mjs).
//
// Why: package.json "imports" serve node and the node16/bundler resolutions, but TypeScript's node10
// resolution (still the default for `"module": "commonjs"` projects, as many jest setups are) ignores
// them, and the kit's declarations would then lose their upstream types. Relative paths resolve
// everywhere. In the repository, sources keep `#flyteidl2/*`, which jest maps to the upstream .ts files.
//
// The path goes up to the package folder and back down through dist/ ("../dist/upstream/..." from a file
// at the top of dist/): the same text is right from dist/ and from src/. tsc needs that when another
// project references this one: it reads dist/upstream.d.ts but resolves its imports from src/upstream.ts.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist");

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (full !== path.join(dist, "upstream")) yield* files(full);
    } else if (/\.(js|d\.ts)$/.test(entry.name)) yield full;
  }
}

let rewritten = 0;
for (const file of files(dist)) {
  const text = readFileSync(file, "utf8");
  const next = text.replace(/(["'])#flyteidl2\/([^"']+)\1/g, (_match, quote, rest) => {
    const up = path.relative(path.dirname(file), dist).split(path.sep).filter(Boolean);
    const target = [...up, "..", "dist", "upstream", "flyteidl2", rest].join("/");
    return `${quote}${target}${quote}`;
  });
  if (next !== text) {
    writeFileSync(file, next);
    rewritten++;
  }
}
console.log(`relink-upstream: ${rewritten} file(s) in dist point at dist/upstream`);
