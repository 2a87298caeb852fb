#!/usr/bin/env node
// The "create-connector" bin, which `npm init @flyte-connectors/connector` runs. npm links bins when it installs, before dist/ is built, and tsc rewrites dist/ files
// without their executable bit; this committed file exists at install time and keeps its mode.
"use strict";
const entry = require("node:path").join(__dirname, "../dist/cli/main.js");
if (!require("node:fs").existsSync(entry)) {
  process.stderr.write(
    "create-connector: " + entry + " is missing; build first (npm run build at the repository root)\n",
  );
  process.exit(1);
}
// dist/cli/main.js runs only as the main module; from here, start it explicitly.
require(entry)
  .main()
  .then((code) => {
    if (code !== 0) process.exit(code);
  });
