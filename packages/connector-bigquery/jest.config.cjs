/** @type {import('jest').Config} */
const preset = require("../../jest.preset.cjs");

module.exports = {
  ...preset,
  displayName: "connector-bigquery",
  rootDir: __dirname,
  // The tests drive the unmodified Google client, whose HTTP layer (teeny-request) loads the ESM-only
  // node-fetch with import(); compile those to CommonJS too (see the emulator's jest config).
  transformIgnorePatterns: [
    "/node_modules/(?!(@flyteorg/flyteidl2|teeny-request|node-fetch|fetch-blob|formdata-polyfill|data-uri-to-buffer|node-domexception)/)",
  ],
};
