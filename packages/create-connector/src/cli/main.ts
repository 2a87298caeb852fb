/**
 * `create-connector` — what `npm init @flyte-connectors/connector <directory>` runs: writes a standalone
 * connector package (connector, task class, tests on the conformance kit, a fake of the external service,
 * an example, build/test/serve/image scripts) into a new folder.
 *
 *   npm init @flyte-connectors/connector acme-connector
 *   npx @flyte-connectors/create-connector acme-connector --name acme --package-name @acme/flyte-connector
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Command, CommanderError } from "commander";
import { connectorNames } from "../names";
import { renderConnector } from "../render";

const PACKAGE_ROOT = path.resolve(__dirname, "../..");
const VERSION = (
  JSON.parse(readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }
).version;

/** npm's rules for a new package name (lowercase, URL-safe, optionally scoped). */
const PACKAGE_NAME = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

interface Options {
  name?: string;
  packageName?: string;
  force?: boolean;
}

/** Runs the command with `argv` (without node and script); resolves to the exit code. */
export async function main(
  argv: string[] = process.argv.slice(2),
  out: (text: string) => void = (text) => process.stdout.write(text),
  err: (text: string) => void = (text) => process.stderr.write(text),
): Promise<number> {
  const program = new Command("create-connector")
    .description(
      "Create a standalone Flyte 2 connector package in <directory> (npm init @flyte-connectors/connector).",
    )
    .argument("<directory>", "where to create it; must not exist or be empty")
    .option(
      "--name <name>",
      'connector name, kebab-case (default: from the directory: "acme-connector" → "acme")',
    )
    .option("--package-name <name>", "npm package name (default: the directory's name)")
    .option("--force", "write into a directory that is not empty, overwriting files of the same names")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err });
  let directory: string;
  let options: Options;
  try {
    program.parse(argv, { from: "user" });
    directory = program.args[0];
    options = program.opts<Options>();
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }

  const target = path.resolve(directory);
  const base = path.basename(target);
  try {
    const names = connectorNames(options.name ?? base);
    const packageName = options.packageName ?? (PACKAGE_NAME.test(base) ? base : `connector-${names.name}`);
    if (!PACKAGE_NAME.test(packageName)) {
      throw new Error(
        `"${packageName}" is not a valid npm package name: use lowercase letters, digits, "-", "." or "_"`,
      );
    }
    if (existsSync(target) && readdirSync(target).length > 0 && !options.force) {
      throw new Error(`${target} is not empty; choose a new directory, or pass --force to write into it`);
    }
    const files = renderConnector({ name: names.name, layout: "standalone", packageName });
    for (const file of files) {
      const where = path.join(target, file.path);
      mkdirSync(path.dirname(where), { recursive: true });
      writeFileSync(where, file.content);
    }
    const shown = path.relative(process.cwd(), target) || ".";
    out(
      [
        `Created ${packageName} in ${shown}: the ${names.title}, task type "${names.taskType}".`,
        "",
        ...files.map((f) => `  ${f.path}`),
        "",
        "Next:",
        "",
        `  cd ${shown}`,
        "  npm install",
        "  npm test                    # the conformance suite and the connector's own tests",
        '  npm run example -- "hello"  # one task, in process, against the fake',
        "  npm run serve               # the gRPC server the Flyte backend calls, on :8000",
        "",
      ].join("\n"),
    );
    return 0;
  } catch (error) {
    err(`create-connector: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main().then((code) => {
    process.exitCode = code;
  });
}
