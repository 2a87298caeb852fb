/** TaskTemplate: options, hooks and the flyteidl2 TaskTemplate it builds. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Duration, TaskTemplate, types, type SerializationContext } from "@flyte-connectors/runtime";
import { ResourceType } from "../../src/gen/flyteidl2/core/identifier";
import {
  RuntimeMetadata_RuntimeType,
  Sql_Dialect,
  TaskTemplate as TaskTemplateMessage,
} from "../../src/gen/flyteidl2/core/tasks";
import { DEFAULT_POLL, pollDelays } from "@flyte-connectors/runtime/executor";

const packageVersion = (
  JSON.parse(readFileSync(path.join(__dirname, "../../package.json"), "utf8")) as { version: string }
).version;

class QueryTask extends TaskTemplate {
  readonly seen: SerializationContext[] = [];

  constructor(private readonly query: string | undefined) {
    super({
      name: "query",
      taskType: "sql_thing",
      taskTypeVersion: 2,
      interface: {
        inputs: { day: types.datetime, limit: types.optional(types.int) },
        outputs: { results: types.dataframe },
      },
      retries: 3,
      timeout: Duration.ofSeconds(90.25),
      secrets: { token: "QUERY_TOKEN" },
      project: "flytesnacks",
    });
  }

  override customConfig(ctx: SerializationContext) {
    this.seen.push(ctx);
    return { Location: "EU", Domain: ctx.domain, big: 2n ** 60n, skip: undefined };
  }

  override sql() {
    return this.query;
  }
}

describe("TaskTemplate.toProto", () => {
  it("builds the complete template: id, type, version, runtime, retries, timeout, interface, custom, sql", () => {
    const task = new QueryTask("SELECT 1");
    const proto = task.toProto({ domain: "production" });
    expect(proto.id).toEqual({
      resourceType: ResourceType.TASK,
      project: "flytesnacks",
      domain: "production",
      name: "query",
      version: "local",
      org: "",
    });
    expect(proto.type).toBe("sql_thing");
    expect(proto.taskTypeVersion).toBe(2);
    expect(proto.metadata?.runtime).toEqual({
      type: RuntimeMetadata_RuntimeType.OTHER,
      version: packageVersion,
      flavor: "typescript",
    });
    expect(proto.metadata?.retries).toEqual({ retries: 3 });
    expect(proto.metadata?.timeout).toEqual({ seconds: 90n, nanos: 250_000_000 });
    expect(proto.interface?.inputs?.variables.map((v) => v.key)).toEqual(["day", "limit"]);
    expect(proto.interface?.outputs?.variables.map((v) => v.key)).toEqual(["results"]);
    expect(proto.custom).toEqual({
      Location: "EU",
      Domain: "production",
      big: "1152921504606846976",
      secrets: { token: "QUERY_TOKEN" },
    });
    expect(proto.target).toEqual({
      $case: "sql",
      value: { statement: "SELECT 1", dialect: Sql_Dialect.ANSI },
    });
    expect(task.seen).toEqual([{ project: "flytesnacks", domain: "production", version: "local" }]);
  });

  it("is a valid wire message: it survives protobuf encoding unchanged", () => {
    const proto = new QueryTask("SELECT 1").toProto();
    expect(TaskTemplateMessage.decode(TaskTemplateMessage.encode(proto).finish())).toEqual(proto);
  });

  it("has no target without SQL, and defaults everything a bare task leaves out", () => {
    expect(new QueryTask(undefined).toProto().target).toBeUndefined();
    const bare = new TaskTemplate({ name: "bare", taskType: "t" }).toProto();
    expect(bare.id).toMatchObject({ project: "local", domain: "development", version: "local" });
    expect(bare.taskTypeVersion).toBe(0);
    expect(bare.custom).toEqual({});
    expect(bare.metadata?.retries).toEqual({ retries: 0 });
    expect(bare.metadata?.timeout).toBeUndefined();
    expect(bare.interface).toEqual({ inputs: { variables: [] }, outputs: { variables: [] } });
  });

  it("customConfig's own `secrets` wins over the secrets option", () => {
    class Own extends TaskTemplate {
      constructor() {
        super({ name: "own", taskType: "t", secrets: { a: "A" } });
      }
      override customConfig() {
        return { secrets: { b: "B" } };
      }
    }
    expect(new Own().toProto().custom).toEqual({ secrets: { b: "B" } });
  });

  it("takes the timeout in ms or as a Duration (timeoutMs still works)", () => {
    expect(new TaskTemplate({ name: "a", taskType: "t", timeout: 1500 }).timeoutMs).toBe(1500);
    expect(new TaskTemplate({ name: "a", taskType: "t", timeout: Duration.ofSeconds(2) }).timeoutMs).toBe(
      2000,
    );
    expect(
      new TaskTemplate({ name: "a", taskType: "t", timeoutMs: 700 }).toProto().metadata?.timeout,
    ).toEqual({ seconds: 0n, nanos: 700_000_000 });
  });

  it("rejects what cannot be a task, naming the problem", () => {
    expect(() => new TaskTemplate({ name: "", taskType: "t" })).toThrow("a task needs a name");
    expect(() => new TaskTemplate({ name: "x", taskType: "" })).toThrow('task "x" needs a taskType');
    expect(() => new TaskTemplate({ name: "x", taskType: "t", retries: -1 })).toThrow(
      "retries must be a non-negative integer",
    );
    expect(() => new TaskTemplate({ name: "x", taskType: "t", timeout: 0 })).toThrow(
      "timeout must be a positive number",
    );
    expect(() => new TaskTemplate({ name: "x", taskType: "t", timeout: Number.NaN })).toThrow(
      "timeout must be a positive number",
    );
  });
});

describe("pollDelays", () => {
  const take = (n: number, options?: Parameters<typeof pollDelays>[0]) => {
    const delays = pollDelays(options);
    return Array.from({ length: n }, () => delays.next().value);
  };

  it("defaults to 1 s growing ×1.5 up to 10 s", () => {
    expect(DEFAULT_POLL).toEqual({ initialMs: 1000, multiplier: 1.5, maxMs: 10_000 });
    expect(take(9)).toEqual([1000, 1500, 2250, 3375, 5062.5, 7593.75, 10_000, 10_000, 10_000]);
  });

  it("takes its options; 1 is a fixed interval; undefined fields keep their defaults", () => {
    expect(take(4, { initialMs: 5, multiplier: 2, maxMs: 30 })).toEqual([5, 10, 20, 30]);
    expect(take(3, { initialMs: 3000, multiplier: 1 })).toEqual([3000, 3000, 3000]);
    expect(take(2, { initialMs: 20_000, maxMs: undefined })).toEqual([10_000, 10_000]);
  });

  it("rejects schedules that would spin or shrink", () => {
    expect(() => take(1, { initialMs: 0 })).toThrow(RangeError);
    expect(() => take(1, { multiplier: 0.5 })).toThrow(RangeError);
    expect(() => take(1, { maxMs: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });
});
