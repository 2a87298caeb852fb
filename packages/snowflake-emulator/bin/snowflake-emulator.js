#!/usr/bin/env node
// The "snowflake-emulator" bin. npm links bins when it installs, before dist/ is built, and tsc rewrites dist/ files
// without their executable bit; this committed file exists at install time and keeps its mode.
"use strict";
const entry = require("node:path").join(__dirname, "../dist/main.js");
if (!require("node:fs").existsSync(entry)) {
  process.stderr.write(
    "snowflake-emulator: " + entry + " is missing; build first (npm run build at the repository root)\n",
  );
  process.exit(1);
}
require(entry);
