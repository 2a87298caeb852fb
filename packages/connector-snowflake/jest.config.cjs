/** @type {import('jest').Config} */
module.exports = {
  ...require("../../jest.preset.cjs"),
  displayName: "connector-snowflake",
  rootDir: __dirname,
};
