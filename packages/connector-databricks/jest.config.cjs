/** @type {import('jest').Config} */
module.exports = {
  ...require("../../jest.preset.cjs"),
  displayName: "connector-databricks",
  rootDir: __dirname,
};
