// Shared jest settings for every project. Tests are TypeScript, compiled by swc (no type-check here:
// `nx run-many -t typecheck` does that). The upstream @flyteorg/flyteidl2 package ships .ts sources, so
// it is transformed too: tests use it as the independent wire encoder.
const path = require("node:path");

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  testEnvironmentOptions: {
    // Resolve workspace packages to their TypeScript sources, as tsc does with customConditions.
    customExportConditions: ["@flyte-connectors/source", "node", "require", "default"],
  },
  transform: {
    "^.+\\.[cm]?[tj]s$": [
      "@swc/jest",
      {
        jsc: { parser: { syntax: "typescript" }, target: "es2022" },
        module: { type: "commonjs" },
        sourceMaps: "inline",
      },
    ],
  },
  transformIgnorePatterns: ["/node_modules/(?!@flyteorg/flyteidl2/)"],
  moduleFileExtensions: ["ts", "js", "mjs", "cjs", "json"],
  testMatch: ["<rootDir>/test/**/*.test.ts", "<rootDir>/src/**/*.test.ts"],
  reporters: ["default", path.join(__dirname, "tools/dev/jest-summary-reporter.cjs")],
  testTimeout: 30_000,
  // A package without tests yet reports 0 tests rather than failing the whole run.
  passWithNoTests: true,
};
