/** Custom config parsing and query parameters: the parts of the BigQuery connector that need no service. */
import { ConnectorError, Float } from "@flyte-connectors/runtime";
import { LiteralType } from "@flyte-connectors/runtime/wire";
import { parseCustomConfig } from "../src/config";
import { parseParameterType, queryParameters } from "../src/params";

const simple = (value: number) => LiteralType.fromPartial({ type: { $case: "simple", value } });
const list = (of: LiteralType) => LiteralType.fromPartial({ type: { $case: "collectionType", value: of } });
const INTEGER = 1, FLOAT = 2, STRING = 3, BOOLEAN = 4, DATETIME = 5, DURATION = 6, STRUCT = 9;

function badRequest(fn: () => unknown): ConnectorError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).code).toBe("bad_request");
    return error as ConnectorError;
  }
  throw new Error("expected a bad-request error");
}

describe("parseCustomConfig", () => {
  it("reads the Python plugin's keys and passes query job configuration through in REST shape", () => {
    const config = parseCustomConfig({
      ProjectID: "proj",
      Location: "EU",
      Domain: "development",
      secrets: { google_application_credentials: "my-gcp-key" },
      destinationTable: { projectId: "proj", datasetId: "ds", tableId: "t" },
      writeDisposition: "WRITE_TRUNCATE",
      priority: "BATCH",
      maximumBytesBilled: "1000000",
      useLegacySql: false,
      labels: { team: "data" },
      dryRun: false,
      QueryParameterTypes: { amount: "NUMERIC" },
    });
    expect(config).toEqual({
      project: "proj",
      location: "EU",
      domain: "development",
      credentialsSecret: "my-gcp-key",
      parameterTypes: { amount: "NUMERIC" },
      query: {
        destinationTable: { projectId: "proj", datasetId: "ds", tableId: "t" },
        writeDisposition: "WRITE_TRUNCATE",
        priority: "BATCH",
        maximumBytesBilled: "1000000",
        useLegacySql: false,
      },
      job: { labels: { team: "data" }, dryRun: false },
    });
  });

  it("requires ProjectID and says so by name", () => {
    expect(badRequest(() => parseCustomConfig({ Location: "US" })).message).toMatch(/custom\.ProjectID is required/);
    expect(badRequest(() => parseCustomConfig(undefined)).message).toMatch(/custom\.ProjectID/);
    expect(badRequest(() => parseCustomConfig({ ProjectID: "" })).message).toMatch(/custom\.ProjectID must not be empty/);
  });

  it("rejects fields the connector owns and wrong types, naming the field", () => {
    expect(badRequest(() => parseCustomConfig({ ProjectID: "p", query: "SELECT 1" })).message).toMatch(/custom\.query is set by the connector/);
    expect(badRequest(() => parseCustomConfig({ ProjectID: "p", labels: "x" })).message).toMatch(/custom\.labels/);
  });

  it("defaults: no location, the standard credentials secret name", () => {
    expect(parseCustomConfig({ ProjectID: "p", Location: null })).toMatchObject({ location: undefined, credentialsSecret: "google_application_credentials", domain: "" });
  });
});

describe("query parameters", () => {
  it("types inputs from the interface, as the Python plugin does (datetime → DATETIME)", () => {
    const declared = new Map([
      ["n", simple(INTEGER)],
      ["x", simple(FLOAT)],
      ["s", simple(STRING)],
      ["b", simple(BOOLEAN)],
      ["when", simple(DATETIME)],
      ["ids", list(simple(INTEGER))],
    ]);
    const params = queryParameters(
      { n: 2n ** 60n, x: 1.5, s: "it's", b: true, when: new Date("2026-01-02T03:04:05.678Z"), ids: [1, 2, 3] },
      declared,
      {},
    );
    expect(params).toEqual([
      { name: "n", parameterType: { type: "INT64" }, parameterValue: { value: (2n ** 60n).toString() } },
      { name: "x", parameterType: { type: "FLOAT64" }, parameterValue: { value: "1.5" } },
      { name: "s", parameterType: { type: "STRING" }, parameterValue: { value: "it's" } },
      { name: "b", parameterType: { type: "BOOL" }, parameterValue: { value: "true" } },
      { name: "when", parameterType: { type: "DATETIME" }, parameterValue: { value: "2026-01-02 03:04:05.678" } },
      {
        name: "ids",
        parameterType: { type: "ARRAY", arrayType: { type: "INT64" } },
        parameterValue: { arrayValues: [{ value: "1" }, { value: "2" }, { value: "3" }] },
      },
    ]);
  });

  it("QueryParameterTypes override: NUMERIC, DATE, TIMESTAMP, BYTES, STRUCT", () => {
    const params = queryParameters(
      {
        amount: "12.50",
        day: new Date("2026-03-04T23:00:00Z"),
        at: new Date("2026-03-04T23:00:00Z"),
        blob: new Uint8Array([1, 2, 255]),
        point: { x: 1, label: "a" },
      },
      new Map(),
      { amount: "NUMERIC", day: "DATE", at: "TIMESTAMP", blob: "BYTES", point: "STRUCT<x INT64, label STRING>" },
    );
    expect(params.map((p) => [p.name, p.parameterType, p.parameterValue])).toEqual([
      ["amount", { type: "NUMERIC" }, { value: "12.50" }],
      ["day", { type: "DATE" }, { value: "2026-03-04" }],
      ["at", { type: "TIMESTAMP" }, { value: "2026-03-04 23:00:00.000+00:00" }],
      ["blob", { type: "BYTES" }, { value: "AQL/" }],
      [
        "point",
        { type: "STRUCT", structTypes: [{ name: "x", type: { type: "INT64" } }, { name: "label", type: { type: "STRING" } }] },
        { structValues: { x: { value: "1" }, label: { value: "a" } } },
      ],
    ]);
  });

  it("JSON objects (STRUCT in Flyte) become STRUCT parameters typed from the value; Float forces FLOAT64; null is NULL", () => {
    const params = queryParameters({ obj: { a: 1, tags: ["x"] }, f: new Float(2), none: null }, new Map([["obj", simple(STRUCT)]]), { none: "STRING" });
    expect(params[0].parameterType).toEqual({
      type: "STRUCT",
      structTypes: [
        { name: "a", type: { type: "INT64" } },
        { name: "tags", type: { type: "ARRAY", arrayType: { type: "STRING" } } },
      ],
    });
    expect(params[1]).toEqual({ name: "f", parameterType: { type: "FLOAT64" }, parameterValue: { value: "2" } });
    expect(params[2]).toEqual({ name: "none", parameterType: { type: "STRING" }, parameterValue: {} });
  });

  it("bad types and values are bad requests naming the input", () => {
    expect(badRequest(() => queryParameters({ d: 5 }, new Map([["d", simple(DURATION)]]), {})).message).toMatch(/input 'd'/);
    expect(badRequest(() => queryParameters({ n: "five" }, new Map([["n", simple(INTEGER)]]), {})).message).toMatch(/input 'n'.*INT64/);
    expect(badRequest(() => queryParameters({ n: 1 }, new Map(), { n: "WIDGET" })).message).toMatch(/unknown BigQuery type "WIDGET"/);
    expect(badRequest(() => queryParameters({ f: () => 1 }, new Map(), {})).message).toMatch(/input 'f'/);
  });

  it("parses nested declared types", () => {
    expect(parseParameterType("array<struct<a int64, b array<string>>>", "p")).toEqual({
      type: "ARRAY",
      arrayType: {
        type: "STRUCT",
        structTypes: [
          { name: "a", type: { type: "INT64" } },
          { name: "b", type: { type: "ARRAY", arrayType: { type: "STRING" } } },
        ],
      },
    });
  });
});
