/** @type {import('jest').Config} */
module.exports = {
  ...require("../../jest.preset.cjs"),
  displayName: "connector-bigquery",
  rootDir: __dirname,
};
