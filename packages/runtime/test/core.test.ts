/** The connector API's small pieces: phases, the JSON meta codec, the registry, keys, secrets, errors. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inspect } from "node:util";
import { z } from "zod";
import {
  MAX_QUOTED_LENGTH,
  clip,
  describeValue,
  parseAnswer,
  ConnectorError,
  ConnectorRegistry,
  TaskExecutionPhase as Phase,
  isTerminal,
  jsonMeta,
  phaseFromState,
} from "@flyte-connectors/runtime";
import { SecretStore } from "../src/secrets";
import { idempotencyKeyFor } from "@flyte-connectors/runtime/pipeline";
import { MinimalConnector, TestConnector } from "./fixtures/test-connector";

describe("phases", () => {
  it.each([
    ["queued", Phase.QUEUED],
    ["PENDING", Phase.INITIALIZING],
    ["In Progress", Phase.RUNNING],
    ["in-progress", Phase.RUNNING],
    ["DONE", Phase.SUCCEEDED],
    ["Succeeded", Phase.SUCCEEDED],
    ["failed", Phase.FAILED],
    ["cancelled", Phase.ABORTED],
    ["CANCELED", Phase.ABORTED],
    ["internal_error", Phase.RETRYABLE_FAILED],
    ["waiting_for_resources", Phase.WAITING_FOR_RESOURCES],
  ])("phaseFromState(%p) is %p", (state, phase) => {
    expect(phaseFromState(state)).toBe(phase);
  });

  it("an unknown state throws rather than guessing", () => {
    expect(() => phaseFromState("exploded")).toThrow(/unknown external state "exploded"/);
  });

  it("isTerminal: the four endings only", () => {
    const terminal = [Phase.SUCCEEDED, Phase.FAILED, Phase.ABORTED, Phase.RETRYABLE_FAILED];
    for (const phase of [Phase.QUEUED, Phase.WAITING_FOR_RESOURCES, Phase.INITIALIZING, Phase.RUNNING, ...terminal]) {
      expect(isTerminal(phase)).toBe(terminal.includes(phase));
    }
  });
});

describe("jsonMeta", () => {
  const codec = jsonMeta<{ job_id: string; endpoint: string }>(["job_id", "endpoint"]);

  it("is UTF-8 JSON with the given field names, as the Python SDK writes it", () => {
    const bytes = codec.encode({ job_id: "j-1", endpoint: "http://x" });
    expect(Buffer.from(bytes).toString("utf8")).toBe('{"job_id":"j-1","endpoint":"http://x"}');
    // What a Python replica would have written decodes too.
    expect(codec.decode(Buffer.from('{"job_id": "j-1", "endpoint": "http://x"}'))).toEqual({ job_id: "j-1", endpoint: "http://x" });
  });

  it.each([
    ["not UTF-8", Buffer.from([0xc3, 0x28])],
    ["not JSON", Buffer.from("job_id=1")],
    ["an array", Buffer.from("[1]")],
    ["a string", Buffer.from('"x"')],
    ["missing a field", Buffer.from('{"job_id":"j"}')],
    ["a null field", Buffer.from('{"job_id":"j","endpoint":null}')],
  ])("rejects %s with a bad-request error that does not echo the bytes", (_name, bytes) => {
    let error: unknown;
    try {
      codec.decode(bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).code).toBe("bad_request");
    expect((error as ConnectorError).message).not.toContain("job_id=1");
  });
});

describe("ConnectorRegistry", () => {
  it("rejects a second connector for the same task type and version unless overridden", () => {
    const registry = new ConnectorRegistry([new TestConnector()]);
    expect(() => registry.register(new TestConnector())).toThrow(/already served by "Test Connector"/);
    const replacement = new TestConnector();
    registry.register(replacement, { override: true });
    expect(registry.get({ name: "test_task", version: 0 })).toBe(replacement);
    // Another version is another task type.
    registry.register(new TestConnector("test_task", 1));
    expect(registry.size).toBe(2);
  });

  it("groups task types by connector name, and not-found lists what is registered", () => {
    const registry = new ConnectorRegistry([new TestConnector("a"), new TestConnector("b"), new MinimalConnector()]);
    expect(registry.info()).toEqual([
      { name: "Test Connector", taskCategories: [{ name: "a", version: 0 }, { name: "b", version: 0 }] },
      { name: "Minimal Connector", taskCategories: [{ name: "minimal_task", version: 0 }] },
    ]);
    expect(() => registry.get({ name: "zzz", version: 0 })).toThrow(/no connector for task type "zzz" version 0 \(registered: a@0, b@0, minimal_task@0\)/);
  });

  it("refuses objects that are not connectors, saying what is missing", () => {
    expect(() => new ConnectorRegistry().register({ name: "x", taskTypeName: "", taskTypeVersion: -1 } as never)).toThrow(
      /taskTypeName must be a non-empty string; taskTypeVersion must be a non-negative integer; create\(\) is missing/,
    );
  });
});

describe("idempotencyKeyFor", () => {
  const metadata = (run: string, node: string, attempt: number) =>
    ({ taskExecutionId: { nodeExecutionId: { nodeId: node, executionId: { project: "p", domain: "d", name: run, org: "" } }, retryAttempt: attempt } }) as never;

  it("is stable per attempt and differs across attempts, nodes and runs", () => {
    const key = idempotencyKeyFor(metadata("r1", "n0", 0));
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(idempotencyKeyFor(metadata("r1", "n0", 0))).toBe(key);
    expect(new Set([key, idempotencyKeyFor(metadata("r1", "n0", 1)), idempotencyKeyFor(metadata("r1", "n1", 0)), idempotencyKeyFor(metadata("r2", "n0", 0))]).size).toBe(4);
  });

  it("does not collide when parts shift between fields", () => {
    expect(idempotencyKeyFor(metadata("a/b", "c", 0))).not.toBe(idempotencyKeyFor(metadata("a", "b/c", 0)));
  });

  it("is random without an execution id", () => {
    expect(idempotencyKeyFor(undefined)).not.toBe(idempotencyKeyFor(undefined));
  });
});

describe("SecretStore", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "secrets-"));
  writeFileSync(path.join(dir, "from_file"), "file-value\n");
  const env = { FLYTE_SECRET_FROM_ENV: "env-value", FLYTE_SECRET_BOTH: "env-both" };

  it("looks in the connection, then the environment, then mounted files", () => {
    const store = new SecretStore({ both: "connection-both" }, { secretsDir: dir, env });
    expect(store.get("both")).toBe("connection-both");
    expect(store.get("from_env")).toBe("env-value");
    expect(store.get("from_file")).toBe("file-value");
    expect(store.get("nowhere")).toBeUndefined();
    expect(store.get("../etc/passwd")).toBeUndefined();
  });

  it("require() names the secret and where it was looked for, never a value", () => {
    const store = new SecretStore({ other: "s3cr3t-value" }, { secretsDir: dir, env });
    expect(() => store.require("api_key")).toThrow(/secret "api_key" is required.*FLYTE_SECRET_API_KEY/);
    expect(() => store.require("api_key")).not.toThrow(/s3cr3t-value/);
  });

  it("never prints its values", () => {
    const store = new SecretStore({ api_key: "s3cr3t-value" });
    expect(JSON.stringify({ store })).not.toContain("s3cr3t");
    expect(inspect(store)).not.toContain("s3cr3t");
    expect(store.values()).toEqual(["s3cr3t-value"]);
  });
});

describe("ConnectorError.from", () => {
  it("keeps ConnectorErrors, turns aborts into aborted and anything else into internal with a cause", () => {
    const own = ConnectorError.notFound("x");
    expect(ConnectorError.from(own)).toBe(own);
    const abort = ConnectorError.from(new DOMException("stop", "AbortError"));
    expect(abort.code).toBe("aborted");
    expect(abort.retryable).toBe(true);
    const plain = new Error("boom");
    const wrapped = ConnectorError.from(plain);
    expect([wrapped.code, wrapped.message, wrapped.cause, wrapped.retryable]).toEqual(["internal", "boom", plain, false]);
    expect(ConnectorError.from("text").message).toBe("text");
  });
});

describe("reading external answers", () => {
  it("clip bounds text with an ellipsis and never splits a surrogate pair", () => {
    expect(clip("short", 10)).toBe("short");
    expect(clip("abcdefghij", 5)).toBe("abcd…");
    expect(clip("abc😀def", 5)).toBe("abc…"); // the emoji's two halves stay together or go together
    expect(clip("x".repeat(1_000_000)).length).toBe(MAX_QUOTED_LENGTH);
  });

  it("parseAnswer: a value, or the problem in words (the whole answer described, a field by the schema's message)", () => {
    const schema = z.object({ status: z.string({ error: (i) => `status must be a string, not ${describeValue(i.input)}` }) }, { error: "expected a JSON object" });
    expect(parseAnswer(schema, { status: "running" })).toEqual({ ok: true, value: { status: "running" } });
    expect(parseAnswer(schema, { status: [1] })).toEqual({ ok: false, problem: "status must be a string, not a list" });
    expect(parseAnswer(schema, null)).toEqual({ ok: false, problem: "null instead of a JSON object" });
    expect(parseAnswer(schema, "<html>" + "x".repeat(500))).toEqual({
      ok: false,
      problem: expect.stringMatching(/^a body that is not a JSON object: "<html>x+…"$/),
    });
    expect(parseAnswer(schema, "")).toEqual({ ok: false, problem: "an empty body" });
  });
});
