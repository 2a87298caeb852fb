/** @type {import('jest').Config} */
module.exports = {
  ...require("../../jest.preset.cjs"),
  displayName: "bigquery-emulator",
  rootDir: __dirname,
};
