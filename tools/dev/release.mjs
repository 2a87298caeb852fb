#!/usr/bin/env node
// `npm run release`: previews the next release (versions from conventional commits, changelogs, commit and
// tags) and changes nothing. `npm run release -- --for-real` makes it: writes the versions and changelogs,
// commits, tags and pushes; the tags start .github/workflows/release.yml, which publishes with provenance.
// Other arguments go to `nx release` (e.g. `--first-release`, `-p @flyte-connectors/runtime`, `minor`).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);

if (args.includes("--help")) {
  console.log(`Usage: npm run release [-- --for-real] [-- <nx release options>]

Without --for-real: a dry run. Prints the version each package would get (from conventional commits since
its last tag), the changelog entries, and the commit and tags that would be made; no file changes.
With --for-real: writes versions and CHANGELOG.md files, commits, tags (<package>@<version>) and pushes.
The pushed tags run the release workflow, which publishes to npm with provenance.
Publishing is never done from here; \`npx nx release publish --dry-run\` shows what it would publish.`);
  process.exit(0);
}

const forReal = args.includes("--for-real");
const passed = args.filter((a) => a !== "--for-real" && a !== "--dry-run" && a !== "-d");
const nxArgs = ["release", "--skip-publish", ...(forReal ? [] : ["--dry-run"]), ...passed];
console.log(`> nx ${nxArgs.join(" ")}`);
const result = spawnSync(path.join(root, "node_modules/.bin/nx"), nxArgs, { cwd: root, stdio: "inherit" });
if (result.status !== 0) process.exit(result.status ?? 1);
if (!forReal) {
  console.log("\nA preview: nothing was changed. To release: npm run release -- --for-real");
  process.exit(0);
}
// nx release pushes only when it creates GitHub releases; the tags (annotated) go with the commit here.
console.log("> git push --follow-tags");
process.exit(spawnSync("git", ["push", "--follow-tags"], { cwd: root, stdio: "inherit" }).status ?? 1);
