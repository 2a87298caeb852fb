/** @type {import('jest').Config} */
const preset = require("../../jest.preset.cjs");

module.exports = {
  ...preset,
  displayName: "databricks-emulator",
  rootDir: __dirname,
};
