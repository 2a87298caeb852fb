/** @type {import('jest').Config} */
const preset = require("../../jest.preset.cjs");

module.exports = {
  ...preset,
  displayName: "bigquery-emulator",
  rootDir: __dirname,
  // The Google client's HTTP layer (teeny-request) loads the ESM-only node-fetch with a dynamic
  // import(), which jest's CommonJS sandbox cannot run. Compiling them (and node-fetch's own ESM
  // dependencies) to CommonJS like our sources lets the unmodified client run in tests.
  transformIgnorePatterns: [
    "/node_modules/(?!(@flyteorg/flyteidl2|teeny-request|node-fetch|fetch-blob|formdata-polyfill|data-uri-to-buffer|node-domexception)/)",
  ],
};
