/** @type {import('jest').Config} */
module.exports = {
  ...require("../../jest.preset.cjs"),
  displayName: "connector-model-training",
  rootDir: __dirname,
};
