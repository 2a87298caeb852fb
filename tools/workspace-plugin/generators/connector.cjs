// The `connector` generator's entry. Nx loads it with plain node, which cannot read the TypeScript in
// src/: the generator runs from dist/, built by `npm run build` (or `npm start`) at the repository root.
"use strict";
const path = require("node:path");
const entry = path.join(__dirname, "../dist/connector/generator.js");
if (!require("node:fs").existsSync(entry)) {
  throw new Error(`${entry} is missing; build first: npm run build (at the repository root)`);
}
module.exports = require(entry);
