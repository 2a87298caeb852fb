/** @type {import('jest').Config} */
module.exports = {
  ...require("../../jest.preset.cjs"),
  displayName: "snowflake-emulator",
  rootDir: __dirname,
  // jose ships ES modules only: swc turns them into CommonJS for jest (plain node loads them with require).
  transformIgnorePatterns: ["/node_modules/(?!(@flyteorg/flyteidl2|jose)/)"],
};
