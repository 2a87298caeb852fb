/** @type {import('jest').Config} */
module.exports = {
  ...require("../../jest.preset.cjs"),
  displayName: "workspace-plugin",
  rootDir: __dirname,
};
