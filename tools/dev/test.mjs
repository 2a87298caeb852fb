#!/usr/bin/env node
// `npm test`: runs every project's tests through nx, then prints one line "N passed, M failed" summed over
// every project (CI reads that line). Extra arguments go to `nx run-many`, e.g. `npm test -- -p runtime`.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);
if (args.includes("--help")) {
  console.log("Usage: npm test [-- <nx run-many options>]\n\nRuns every project's jest tests through nx and prints 'N passed, M failed'.");
  process.exit(0);
}
const resultsDir = path.join(root, "tmp/test-results");
rmSync(resultsDir, { recursive: true, force: true });

const nx = spawnSync(
  path.join(root, "node_modules/.bin/nx"),
  ["run-many", "-t", "test", "--outputStyle=static", "--parallel=2", "--skip-nx-cache", ...args],
  { cwd: root, stdio: "inherit" },
);

let passed = 0;
let failed = 0;
let skipped = 0;
const projects = existsSync(resultsDir) ? readdirSync(resultsDir).filter((f) => f.endsWith(".json")) : [];
for (const file of projects) {
  const r = JSON.parse(readFileSync(path.join(resultsDir, file), "utf8"));
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
}
// nx failing with no failed test (a build error, a crashed project) still fails the run.
if (nx.status !== 0 && failed === 0) failed = 1;
console.log(`\n${projects.length} test projects`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(nx.status === 0 && failed === 0 ? 0 : 1);
