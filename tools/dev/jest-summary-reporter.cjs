// Writes each jest run's counts to tmp/test-results/<project>.json so `npm test` can print one
// "N passed, M failed" line over every project. A suite that fails to load counts as a failure.
const fs = require("node:fs");
const path = require("node:path");

const workspaceRoot = path.resolve(__dirname, "../..");

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const project = path.relative(workspaceRoot, this.rootDir).replace(/[\\/]/g, "__") || "root";
    const dir = path.join(workspaceRoot, "tmp/test-results");
    fs.mkdirSync(dir, { recursive: true });
    const summary = {
      project,
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    fs.writeFileSync(path.join(dir, `${project}.json`), JSON.stringify(summary) + "\n");
  }
}

module.exports = SummaryReporter;
