#!/usr/bin/env node
// Regenerates packages/runtime/src/gen from the pinned @flyteorg/flyteidl2 package (and grpc.health.v1).
//
//   node tools/proto/src/generate.mjs          # write proto/flyteidl2.binpb and packages/runtime/src/gen
//   node tools/proto/src/generate.mjs --check  # generate into a temp dir; fail if it differs from the committed files
//
// Why this route: the npm package ships protobuf-es sources that embed each file's descriptor, not .proto
// text. We compile the service file (tsc follows its imports), load it, walk its dependency graph, and
// write one FileDescriptorSet that buf feeds to ts-proto. No hand-copied .proto text anywhere.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(`Usage: npm run proto [-- --check]

Regenerates the flyteidl2 wire types (packages/runtime/src/gen) from @flyteorg/flyteidl2.
  --check   generate into a temporary folder and fail (exit 1) if it differs from the committed output
  --help    show this help`);
  process.exit(0);
}
const check = args.includes("--check");
const require = createRequire(path.join(root, "package.json"));

const ENTRY = "flyteidl2/connector/service_pb.ts";
const idlRoot = path.dirname(require.resolve("@flyteorg/flyteidl2/package.json"));
const idlVersion = JSON.parse(readFileSync(path.join(idlRoot, "package.json"), "utf8")).version;
// With --check everything is written under a temporary root and compared with the committed files.
const outRoot = check ? mkdtempSync(path.join(os.tmpdir(), "flyte-proto-")) : root;
const OUTPUTS = ["proto/flyteidl2.binpb", "packages/runtime/src/gen"];
// Compiled inside the repo so the compiled files resolve @bufbuild/protobuf from its node_modules.
const buildDir = path.join(root, "proto/.build");
const descriptorSet = path.join(outRoot, "proto/flyteidl2.binpb");
mkdirSync(path.dirname(descriptorSet), { recursive: true });

function run(cmd, cmdArgs) {
  execFileSync(cmd, cmdArgs, { cwd: root, stdio: "inherit" });
}

console.log(`proto: compiling ${ENTRY} from @flyteorg/flyteidl2@${idlVersion}`);
rmSync(buildDir, { recursive: true, force: true });
mkdirSync(buildDir, { recursive: true });
// tsc never emits files that live under node_modules, so compile a copy of the sources.
const sourceDir = path.join(buildDir, "src");
for (const dir of ["flyteidl2", "google", "buf"]) cpSync(path.join(idlRoot, dir), path.join(sourceDir, dir), { recursive: true });
run(process.execPath, [
  require.resolve("typescript/bin/tsc"),
  path.join(sourceDir, ENTRY),
  "--outDir", path.join(buildDir, "out"),
  "--rootDir", sourceDir,
  "--module", "commonjs",
  "--moduleResolution", "node10",
  "--target", "es2022",
  "--allowImportingTsExtensions",
  "--rewriteRelativeImportExtensions",
  "--skipLibCheck",
]);

// The compiled files import @bufbuild/protobuf; resolve it from the workspace, not from proto/.build.
const { create, toBinary } = require("@bufbuild/protobuf");
const { FileDescriptorSetSchema } = require("@bufbuild/protobuf/wkt");
const entry = require(path.join(buildDir, "out", ENTRY.replace(/\.ts$/, ".js")));
const service = entry.file_flyteidl2_connector_service;
if (!service) throw new Error(`proto: ${ENTRY} no longer exports file_flyteidl2_connector_service`);

// Dependencies first, as protoc orders a FileDescriptorSet.
const ordered = [];
const seen = new Set();
(function visit(file) {
  if (seen.has(file.name)) return;
  seen.add(file.name);
  for (const dep of file.dependencies) visit(dep);
  ordered.push(file.proto);
})(service);

const bytes = toBinary(FileDescriptorSetSchema, create(FileDescriptorSetSchema, { file: ordered }));
writeFileSync(descriptorSet, bytes);
console.log(`proto: wrote descriptor set (${ordered.length} files, ${bytes.length} bytes)`);

// grpc.health.v1 comes from the .proto that grpc-health-check ships (the protocol's own definition):
// the server implements health on generated types instead of loading that package, whose start-up parses
// the .proto at run time. buf compiles it; a FileDescriptorSet is a repeated field, so two concatenate.
const healthRoot = path.join(path.dirname(require.resolve("grpc-health-check/package.json")), "proto");
const healthSet = path.join(buildDir, "health.binpb");
run(path.join(root, "node_modules/.bin/buf"), ["build", healthRoot, "--path", path.join(healthRoot, "health/v1/health.proto"), "-o", healthSet]);
const combinedSet = path.join(buildDir, "combined.binpb");
writeFileSync(combinedSet, Buffer.concat([readFileSync(descriptorSet), readFileSync(healthSet)]));

run(path.join(root, "node_modules/.bin/buf"), [
  "generate", combinedSet,
  "--template", "proto/buf.gen.yaml",
  "--path", "flyteidl2/connector/service.proto",
  "--path", "health/v1/health.proto",
  "--include-imports",
  "--output", outRoot,
]);
rmSync(buildDir, { recursive: true, force: true });

// Two rewrites of the generated files, for the server's start-up, in one pass over them:
// - The codecs import BinaryReader/BinaryWriter from the runtime's protobuf-wire module instead of the
//   `@bufbuild/protobuf/wire` entry, which also loads the reflection runtime (~15 ms of every start).
// - Each file's enums go to a module of their own beside it (`types.ts` → `types.enums.ts`), which the file
//   re-exports: code that needs only an enum's values (phases, literal types) loads a few lines, not the
//   codecs of every message the file and its imports define (~400 KB for the authoring API's enums).
const genDir = path.join(outRoot, "packages/runtime/src/gen");
const WIRE_IMPORT = 'from "@bufbuild/protobuf/wire";';
const ENUM_BLOCK = /(?:\/\*\*(?:(?!\*\/)[\s\S])*\*\/\n)?export enum (\w+) \{\n[\s\S]*?\n\}\n\n?/g;
// The listing is taken before any `.enums.ts` file is written, so it holds generated files only.
for (const entry of readdirSync(genDir, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
  const file = path.join(entry.parentPath ?? entry.path, entry.name);
  let text = readFileSync(file, "utf8");
  const original = text;
  if (text.includes(WIRE_IMPORT)) {
    const shim = path.relative(path.dirname(file), path.join(genDir, "../protobuf-wire")).split(path.sep).join("/");
    text = text.replace(WIRE_IMPORT, `from "${shim}";`);
  }
  text = splitEnums(text, path.dirname(file), entry.name.replace(/\.ts$/, ""));
  if (text !== original) writeFileSync(file, text);
}

/** Writes the enums of a generated file to `<base>.enums.ts` beside it; returns the file's text without them. */
function splitEnums(text, dir, base) {
  const names = [];
  const blocks = [];
  const rest = text.replace(ENUM_BLOCK, (block, name) => {
    names.push(name);
    blocks.push(block.trimEnd() + "\n");
    return "";
  });
  if (names.length === 0) return text;
  const header = text.slice(0, text.indexOf("/* eslint-disable */"));
  writeFileSync(path.join(dir, `${base}.enums.ts`), `${header}${blocks.join("\n")}`);
  // Where the file itself uses an enum, it imports it; everything else reaches it through the re-export.
  const used = names.filter((name) => new RegExp(`\\b${name}\\b`).test(rest));
  const lines = [
    ...(used.length > 0 ? [`import { ${used.join(", ")} } from "./${base}.enums";`] : []),
    `export * from "./${base}.enums";`,
  ];
  // After the last import statement, or after the header when the file imports nothing.
  const lastImport = rest.lastIndexOf("\nimport ");
  const at =
    lastImport >= 0
      ? rest.indexOf("\n", rest.indexOf(";", lastImport)) + 1
      : rest.indexOf("\n", rest.indexOf("/* eslint-disable */")) + 1;
  return `${rest.slice(0, at)}${lines.join("\n")}\n${rest.slice(at)}`.replace(/\n{3,}/g, "\n\n");
}

// The server's reflection service needs the descriptors at run time; ship them inside the package.
writeFileSync(
  path.join(outRoot, "packages/runtime/src/gen/descriptor-set.ts"),
  `// Code generated by tools/proto/src/generate.mjs. DO NOT EDIT.\n` +
    `// source: @flyteorg/flyteidl2@${idlVersion}, flyteidl2/connector/service.proto and its imports\n\n` +
    `/** A FileDescriptorSet (base64) of the connector service and every file it imports. */\n` +
    `export const FILE_DESCRIPTOR_SET =\n  "${Buffer.from(bytes).toString("base64")}";\n`,
);

if (check) {
  const stale = OUTPUTS.flatMap((out) => differences(path.join(root, out), path.join(outRoot, out), out));
  rmSync(outRoot, { recursive: true, force: true });
  if (stale.length) {
    console.error(`proto: generated code is out of date; run \`npm run proto\` and commit:\n  ${stale.join("\n  ")}`);
    process.exit(1);
  }
  console.log("proto: generated code is up to date");
} else {
  console.log("proto: generated packages/runtime/src/gen");
}

/** Paths (relative to the repo) that are missing, extra or different between two files or folders. */
function differences(committed, fresh, label) {
  const list = (dir) => {
    try {
      return readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)))
        .sort();
    } catch {
      return null;
    }
  };
  const read = (file) => {
    try {
      return readFileSync(file);
    } catch {
      return null;
    }
  };
  const [a, b] = [list(committed), list(fresh)];
  if (a === null || b === null) {
    const [x, y] = [read(committed), read(fresh)];
    return x && y && x.equals(y) ? [] : [label];
  }
  const names = [...new Set([...a, ...b])].sort();
  return names
    .filter((name) => {
      const [x, y] = [read(path.join(committed, name)), read(path.join(fresh, name))];
      return !(x && y && x.equals(y));
    })
    .map((name) => path.join(label, name));
}
