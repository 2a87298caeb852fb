/**
 * connectorConformance must be able to fail, and fail the right checks. The fixtures declare it twice,
 * over one fake system: for a connector that keeps the backend's contract, and for one that breaks it in
 * four ways. They run in a child jest; this test reads which checks passed and which failed.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

interface AssertionResult {
  title: string;
  status: "passed" | "failed" | "pending";
  failureMessages: string[];
}
interface JestJson {
  testResults: Array<{ name: string; assertionResults: AssertionResult[] }>;
}

const ALL = [
  "discovery",
  "create-idempotent",
  "create-new-attempt",
  "runs-to-success",
  "get-repeatable",
  "delete-after-completion",
  "delete-running",
  "delete-unknown",
  "transient-get",
  "bad-config",
  "meta-round-trip",
  "deadlines",
  "no-secrets",
];

let results: JestJson;
const outcome = (file: string) => {
  const suite = results.testResults.find((r) => path.basename(r.name) === file);
  if (!suite) throw new Error(`no results for ${file}`);
  return Object.fromEntries(suite.assertionResults.map((a) => [a.title.split(":")[0], a]));
};

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "conformance-"));
  const out = path.join(dir, "results.json");
  const jest = path.join(path.dirname(require.resolve("jest/package.json")), "bin/jest.js");
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      [
        jest,
        "--config",
        path.join(__dirname, "fixtures/conformance/jest.config.cjs"),
        "--json",
        "--outputFile",
        out,
        "--forceExit",
      ],
      {
        cwd: path.join(__dirname, ".."),
        env: { ...process.env, FORCE_COLOR: "0" },
        maxBuffer: 16 * 1024 * 1024,
      },
      // The child exits 1: the broken connector's suite fails, as it must.
      (error, _stdout, stderr) => {
        try {
          results = JSON.parse(readFileSync(out, "utf8")) as JestJson;
          resolve();
        } catch {
          reject(new Error(`the child jest wrote no results (${error?.message})\n${stderr}`));
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  });
}, 180_000);

describe("connectorConformance", () => {
  it("declares every check, and a connector that keeps the contract passes them all", () => {
    const good = outcome("good.conformance.ts");
    expect(Object.keys(good)).toEqual(ALL);
    const failed = Object.values(good).filter((a) => a.status !== "passed");
    expect(failed.map((a) => `${a.title}: ${a.failureMessages.join("\n")}`)).toEqual([]);
  });

  it("fails exactly the checks a broken connector breaks, saying why", () => {
    const broken = outcome("broken.conformance.ts");
    const failed = Object.entries(broken)
      .filter(([, a]) => a.status === "failed")
      .map(([name]) => name);
    expect(failed).toEqual(["create-idempotent", "delete-unknown", "transient-get", "no-secrets"]);
    const why = (name: string) => broken[name].failureMessages.join("\n");
    expect(why("create-idempotent")).toMatch(
      /create is not idempotent: the same task attempt .* made two jobs/,
    );
    expect(why("delete-unknown")).toMatch(
      /DeleteTask of a job the external system never knew failed with NOT_FOUND/,
    );
    expect(why("transient-get")).toMatch(
      /GetTask failed during an outage \(INTERNAL: .*\)\. The backend counts failed GetTask calls/,
    );
    expect(why("no-secrets")).toMatch(
      /a secret \(URL-encoded\) appears in an error or phase message the backend got/,
    );
    expect(why("no-secrets")).toMatch(/a secret \(URL-encoded\) appears in the server's logs/);
    // The report never quotes the secret itself.
    expect(why("no-secrets")).not.toContain(encodeURIComponent("sk/live+Zz9=Qq1"));
  });
});
