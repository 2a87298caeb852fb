/**
 * The `connector` generator on an in-memory tree (Nx's own test tree). That the package it writes builds,
 * lints and passes its tests in a real clone is tools/distribution's fresh-clone test.
 */
import { readJson, writeJson, type Tree } from "@nx/devkit";
import { createTreeWithEmptyWorkspace } from "@nx/devkit/testing";
import { connectorGenerator } from "../src";

function workspace(): Tree {
  const tree = createTreeWithEmptyWorkspace();
  writeJson(tree, "tsconfig.json", { files: [], references: [{ path: "./packages/runtime" }] });
  writeJson(tree, "packages/runtime/package.json", { name: "@flyte-connectors/runtime", version: "1.2.3" });
  writeJson(tree, "packages/testing/package.json", { name: "@flyte-connectors/testing", version: "0.4.0" });
  return tree;
}

describe("nx g @flyte-connectors/workspace-plugin:connector", () => {
  it("writes packages/connector-<name> with the current workspace versions, and lists it in tsconfig.json", async () => {
    const tree = workspace();
    await connectorGenerator(tree, { name: "acme-jobs", skipInstall: true });
    const root = "packages/connector-acme-jobs";
    for (const file of [
      "src/connector.ts",
      "src/task.ts",
      "src/index.ts",
      "test/connector.test.ts",
      "test/fake-service.ts",
      "README.md",
      "LICENSE",
      "jest.config.cjs",
      "tsconfig.lib.json",
      "tsconfig.spec.json",
      "examples/run.ts",
    ]) {
      expect({ file, exists: tree.exists(`${root}/${file}`) }).toEqual({ file, exists: true });
    }
    expect(readJson(tree, `${root}/package.json`)).toMatchObject({
      name: "@flyte-connectors/connector-acme-jobs",
      flyteConnector: true,
      dependencies: { "@flyte-connectors/runtime": "^1.2.3" },
      devDependencies: { "@flyte-connectors/testing": "^0.4.0" },
    });
    expect(readJson(tree, "tsconfig.json").references).toEqual([
      { path: "./packages/runtime" },
      { path: "./packages/connector-acme-jobs" },
    ]);
  });

  it("--directory puts it elsewhere, and package.json says where", async () => {
    const tree = workspace();
    await connectorGenerator(tree, { name: "acme", directory: "packages/acme/", skipInstall: true });
    expect(readJson(tree, "packages/acme/package.json").repository.directory).toBe("packages/acme");
    expect(readJson(tree, "tsconfig.json").references).toContainEqual({ path: "./packages/acme" });
  });

  it("refuses a bad name, an existing folder or package, and writes nothing", async () => {
    const tree = workspace();
    await expect(connectorGenerator(tree, { name: "Acme Jobs", skipInstall: true })).rejects.toThrow(
      /is not a connector name/,
    );
    tree.write("packages/connector-acme/notes.md", "mine");
    await expect(connectorGenerator(tree, { name: "acme", skipInstall: true })).rejects.toThrow(
      /packages\/connector-acme already exists/,
    );
    writeJson(tree, "packages/other/package.json", { name: "@flyte-connectors/connector-taken" });
    await expect(connectorGenerator(tree, { name: "taken", skipInstall: true })).rejects.toThrow(
      /@flyte-connectors\/connector-taken already exists in this workspace/,
    );
    expect(tree.exists("packages/connector-taken")).toBe(false);
    expect(readJson(tree, "tsconfig.json").references).toEqual([{ path: "./packages/runtime" }]);
  });
});
