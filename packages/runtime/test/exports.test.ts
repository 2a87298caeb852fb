/**
 * The package's entry points as a consumer's TypeScript resolves them, under each `moduleResolution` a
 * consumer may use: `node16`/`nodenext` and `bundler` read `exports`; `node10` (the old "node") knows no
 * `exports` and finds subpaths through `typesVersions`. Each consumer imports something from every
 * entry point and type-checks against the built declarations (`npm test` builds first).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const consumerRoot = path.resolve(__dirname, "../../../tmp", `exports-consumer-${process.pid}`);
const tsc = require.resolve("typescript/bin/tsc");

const source = `
import { AsyncConnector, ConnectorError, TaskExecutionPhase, jsonMeta, types } from "@flyte-connectors/runtime";
import { ConnectorServer } from "@flyte-connectors/runtime/server";
import { TaskFailedError, type ExecutionEvent } from "@flyte-connectors/runtime/executor";
import { CallPipeline, CallScope } from "@flyte-connectors/runtime/pipeline";
import { loadConnectors } from "@flyte-connectors/runtime/cli";
import { GetTaskRequest, toLiteral } from "@flyte-connectors/runtime/wire";

export const used: unknown[] = [AsyncConnector, ConnectorError, TaskExecutionPhase.SUCCEEDED, jsonMeta, types.int,
  ConnectorServer, TaskFailedError, CallPipeline, CallScope, loadConnectors, GetTaskRequest.decode, toLiteral];
export type Event = ExecutionEvent["type"];
`;

afterAll(() => rmSync(consumerRoot, { recursive: true, force: true }));

describe.each([
  ["node10", "commonjs"],
  ["node16", "node16"],
  ["nodenext", "nodenext"],
  ["bundler", "esnext"],
])("moduleResolution %s", (moduleResolution, module) => {
  it("finds every entry point and its types", () => {
    const dir = path.join(consumerRoot, moduleResolution);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "consumer.ts"), source);
    writeFileSync(
      path.join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module,
          moduleResolution,
          target: "es2022",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ["node"],
          ...(moduleResolution === "node10" ? { ignoreDeprecations: "5.0" } : {}),
        },
        files: ["consumer.ts"],
      }),
    );
    let output = "";
    try {
      execFileSync(process.execPath, [tsc, "-p", dir], { encoding: "utf8", stdio: "pipe" });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe("");
  }, 60_000);
});
