import {
  formatFiles,
  installPackagesTask,
  logger,
  readJson,
  updateJson,
  type GeneratorCallback,
  type Tree,
} from "@nx/devkit";
import { connectorNames, renderConnector } from "@flyte-connectors/create-connector";
import type { ConnectorGeneratorSchema } from "./schema";

/** The workspace's own packages the new one depends on: ranges at their current versions. */
const WORKSPACE_DEPENDENCIES = ["@flyte-connectors/runtime", "@flyte-connectors/testing"];

/**
 * `nx g @flyte-connectors/workspace-plugin:connector <name>`: writes packages/connector-<name> from the
 * same template as `npm init @flyte-connectors/connector`, wired into this workspace (tsconfig
 * references, the shared jest preset, the source export condition), then runs npm install so the
 * package is linked and in the lockfile.
 */
export async function connectorGenerator(
  tree: Tree,
  options: ConnectorGeneratorSchema,
): Promise<GeneratorCallback> {
  const names = connectorNames(options.name);
  const directory = (options.directory ?? `packages/connector-${names.name}`).replace(/\/+$/, "");
  const packageName = `@flyte-connectors/connector-${names.name}`;
  if (tree.exists(directory) && tree.children(directory).length > 0) {
    throw new Error(`${directory} already exists; choose another name, or --directory`);
  }
  const taken = workspacePackageNames(tree);
  if (taken.has(packageName)) throw new Error(`${packageName} already exists in this workspace`);

  const versions: Record<string, string> = {};
  for (const dependency of WORKSPACE_DEPENDENCIES) {
    const manifest = `packages/${dependency.split("/")[1]}/package.json`;
    if (tree.exists(manifest))
      versions[dependency] = `^${readJson<{ version: string }>(tree, manifest).version}`;
  }
  for (const file of renderConnector({
    name: names.name,
    layout: "workspace",
    packageName,
    directory,
    versions,
  })) {
    tree.write(`${directory}/${file.path}`, file.content);
  }
  // What `nx sync` would add: the solution tsconfig lists every project.
  updateJson<{ references?: Array<{ path: string }> }>(tree, "tsconfig.json", (json) => {
    const reference = `./${directory}`;
    json.references = [...(json.references ?? []).filter((r) => r.path !== reference), { path: reference }];
    return json;
  });
  await formatFiles(tree);

  return () => {
    if (!options.skipInstall) installPackagesTask(tree, true);
    logger.info(
      [
        "",
        `${packageName} is in ${directory}: the ${names.title}, task type "${names.taskType}". Next:`,
        `  npx nx test ${packageName}`,
        `  npx tsx ${directory}/examples/run.ts "hello"`,
        `  npx flyte-connector serve --modules ${packageName}`,
        "",
      ].join("\n"),
    );
  };
}

function workspacePackageNames(tree: Tree): Set<string> {
  const names = new Set<string>();
  for (const root of ["packages", "tools"]) {
    if (!tree.exists(root)) continue;
    for (const child of tree.children(root)) {
      const manifest = `${root}/${child}/package.json`;
      if (tree.exists(manifest)) names.add(readJson<{ name: string }>(tree, manifest).name);
    }
  }
  return names;
}

export default connectorGenerator;
