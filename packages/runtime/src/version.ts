/** The version of this package, written into every template's `metadata.runtime` and printed by `--version`. */
// A require, not an import: package.json sits outside `rootDir`, and the path holds from src/ and dist/ alike.
// In a module of its own so the CLI can print it without loading the template code.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const RUNTIME_VERSION: string = (require("../package.json") as { version: string }).version;
