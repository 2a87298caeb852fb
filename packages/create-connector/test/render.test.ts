/**
 * The template, rendered: names and their spellings, the files of each layout, no placeholder left,
 * versions from this package's own manifest.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { connectorNames, renderConnector } from "../src";

const manifest = JSON.parse(readFileSync(path.join(__dirname, "../package.json"), "utf8")) as {
  devDependencies: Record<string, string>;
};

describe("connectorNames", () => {
  it("derives every spelling from a kebab-case name", () => {
    expect(connectorNames("acme-jobs")).toEqual({
      name: "acme-jobs",
      className: "AcmeJobs",
      taskType: "acme_jobs",
      title: "Acme Jobs Connector",
      envPrefix: "ACME_JOBS_",
    });
  });

  it("drops a connector- prefix or -connector suffix", () => {
    expect(connectorNames("connector-acme").name).toBe("acme");
    expect(connectorNames("acme-connector").name).toBe("acme");
  });

  it.each(["Acme", "acme_jobs", "1acme", "acme--jobs", "acme-", "", "acme jobs", "ac/me"])(
    "refuses %j, saying what a name looks like",
    (name) => {
      expect(() => connectorNames(name)).toThrow(
        /is not a connector name: use lowercase letters and digits in words joined by "-"/,
      );
    },
  );
});

describe("renderConnector", () => {
  const paths = (layout: "workspace" | "standalone") =>
    renderConnector({ name: "acme", layout }).map((f) => f.path);
  const common = [
    "LICENSE",
    "README.md",
    "examples/run.ts",
    "src/connector.ts",
    "src/index.ts",
    "src/task.ts",
    "test/connector.test.ts",
    "test/fake-service.ts",
    "test/package.test.ts",
  ];

  it("workspace: the connector, tests, fake and example, with the monorepo's tsconfig and jest wiring", () => {
    expect(paths("workspace").sort()).toEqual(
      [
        ...common,
        "jest.config.cjs",
        "package.json",
        "tsconfig.json",
        "tsconfig.lib.json",
        "tsconfig.spec.json",
      ].sort(),
    );
  });

  it("standalone: the same connector, with its own build, test and image setup", () => {
    expect(paths("standalone").sort()).toEqual(
      [
        ...common,
        ".gitignore",
        "jest.config.cjs",
        "package.json",
        "tsconfig.build.json",
        "tsconfig.json",
      ].sort(),
    );
  });

  it.each(["workspace", "standalone"] as const)("%s: no placeholder is left in any file", (layout) => {
    for (const file of renderConnector({ name: "acme-jobs", layout })) {
      const leftovers = file.content.replace(/__dirname/g, "").match(/__[A-Za-z_:@/.-]+__/g);
      expect({ file: file.path, leftovers }).toEqual({ file: file.path, leftovers: null });
    }
  });

  it("names the classes, task type and package from the name", () => {
    const files = new Map(
      renderConnector({ name: "acme-jobs", layout: "workspace" }).map((f) => [f.path, f.content]),
    );
    expect(files.get("src/connector.ts")).toContain('export const TASK_TYPE = "acme_jobs";');
    expect(files.get("src/connector.ts")).toContain(
      "export class AcmeJobsConnector extends AsyncConnector<AcmeJobsJobMeta>",
    );
    expect(files.get("src/connector.ts")).toContain('readonly name = "Acme Jobs Connector";');
    expect(files.get("src/task.ts")).toContain("export class AcmeJobsTask");
    const pkg = JSON.parse(files.get("package.json")!) as Record<string, unknown>;
    expect(pkg).toMatchObject({
      name: "@flyte-connectors/connector-acme-jobs",
      flyteConnector: true,
      repository: { directory: "packages/connector-acme-jobs" },
      exports: { ".": { "@flyte-connectors/source": "./src/index.ts" } },
    });
  });

  it("standalone package.json: build, test, serve and image scripts, versions from this package's manifest", () => {
    const files = new Map(
      renderConnector({ name: "acme", layout: "standalone", packageName: "@acme/flyte-connector" }).map(
        (f) => [f.path, f.content],
      ),
    );
    const pkg = JSON.parse(files.get("package.json")!) as {
      name: string;
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(pkg.name).toBe("@acme/flyte-connector");
    expect(Object.keys(pkg.scripts)).toEqual(
      expect.arrayContaining(["build", "test", "typecheck", "serve", "image"]),
    );
    expect(pkg.scripts.image).toContain("flyte-connector-image build --connectors .");
    expect(pkg.dependencies["@flyte-connectors/runtime"]).toBe(
      manifest.devDependencies["@flyte-connectors/runtime"],
    );
    expect(pkg.devDependencies["@flyte-connectors/testing"]).toBe(
      manifest.devDependencies["@flyte-connectors/testing"],
    );
    expect(pkg.devDependencies.typescript).toBe(manifest.devDependencies.typescript);
    expect(files.get("README.md")).toContain("npm run image -- --registry");
  });

  it("versions may be given; they override the defaults", () => {
    const pkg = JSON.parse(
      renderConnector({
        name: "acme",
        layout: "workspace",
        versions: { "@flyte-connectors/runtime": "^9.9.9" },
      }).find((f) => f.path === "package.json")!.content,
    ) as { dependencies: Record<string, string> };
    expect(pkg.dependencies["@flyte-connectors/runtime"]).toBe("^9.9.9");
  });
});
