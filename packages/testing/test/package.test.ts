/**
 * The kit as a consumer gets it: its built dist loads with plain node (no TypeScript, no jest transform),
 * the upstream encoder included, and the jest-only part loads only inside jest.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

const root = path.join(__dirname, "..");

describe("the built package", () => {
  it("loads with plain node and encodes with the compiled upstream code", () => {
    const script = `
      const kit = require(${JSON.stringify(root)});
      const client = new kit.UpstreamClient("127.0.0.1:1");
      client.close();
      const { create, toBinary } = require(require.resolve("@bufbuild/protobuf", { paths: [${JSON.stringify(root)}] }));
      const upstream = require(${JSON.stringify(path.join(root, "dist/upstream/flyteidl2/connector/connector_pb.js"))});
      const bytes = toBinary(upstream.CreateTaskRequestSchema, create(upstream.CreateTaskRequestSchema, { outputPrefix: "s3://x" }));
      console.log(JSON.stringify({ exports: Object.keys(kit).sort(), bytes: Array.from(bytes) }));
    `;
    // From outside the repository, with node's own conditions: what an installed copy resolves.
    const out = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: "/", encoding: "utf8" }));
    expect(out.exports).toEqual(
      expect.arrayContaining([
        "FlyteBackendSimulator",
        "connectorConformance",
        "createCallContext",
        "createContext",
        "UpstreamClient",
        "LogCapture",
        "VirtualClock",
      ]),
    );
    expect(out.bytes).toEqual([26, 6, ...Buffer.from("s3://x")]);
  });

  it("compiled the upstream encoder from the pinned @flyteorg/flyteidl2, with declarations", () => {
    const version = JSON.parse(
      readFileSync(require.resolve("@flyteorg/flyteidl2/package.json"), "utf8"),
    ).version;
    expect(JSON.parse(readFileSync(path.join(root, "dist/upstream/version.json"), "utf8"))).toEqual({
      version,
    });
    expect(existsSync(path.join(root, "dist/upstream/flyteidl2/connector/connector_pb.d.ts"))).toBe(true);
  });

  it("connectorConformance outside jest says so, instead of breaking the kit's import", () => {
    const script = `
      const kit = require(${JSON.stringify(root)});
      try { kit.connectorConformance({}); } catch (e) { console.log(e.message); }
    `;
    const out = execFileSync(process.execPath, ["-e", script], { cwd: "/", encoding: "utf8" });
    expect(out).toMatch(/outside of the Jest test environment|jest/i);
  });
});
