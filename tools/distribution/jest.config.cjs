/** @type {import('jest').Config} */
module.exports = {
  ...require("../../jest.preset.cjs"),
  displayName: "distribution",
  rootDir: __dirname,
  // One file at a time: they install, build and publish for minutes, and two at once on two cores would
  // only slow each other (and the other projects' tests running beside them).
  maxWorkers: 1,
};
