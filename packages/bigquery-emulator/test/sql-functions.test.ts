/**
 * GoogleSQL expressions evaluated end to end (translator + DuckDB + wire format + client parsing),
 * each against the value BigQuery gives.
 */
import { client, useEmulator } from "./support";

const emulator = useEmulator({ jobDelayMs: 0 });

/** [GoogleSQL expression, value the client returns] */
const CASES: Array<[string, unknown]> = [
  ["COUNT(*)", 1],
  ["CONCAT('a', 'b', 'c')", "abc"],
  ["CONCAT('a', NULL)", null],
  ["LOWER('AbC')", "abc"],
  ["UPPER('AbC')", "ABC"],
  ["LENGTH('héllo')", 5],
  ["SUBSTR('emulator', 2, 3)", "mul"],
  ["ROUND(2.567, 2)", 2.57],
  ["IFNULL(NULL, 'fallback')", "fallback"],
  ["COALESCE(NULL, NULL, 3)", 3],
  ["SAFE_CAST('12' AS INT64)", 12],
  ["SAFE_CAST('twelve' AS INT64)", null],
  ["CAST(12.9 AS STRING)", "12.9"],
  ["CAST('3.5' AS FLOAT64)", 3.5],
  ["CAST(7 AS STRING)", "7"],
  ["ARRAY_LENGTH(GENERATE_ARRAY(1, 10, 3))", 4],
  ["GENERATE_ARRAY(1, 3)", [1, 2, 3]],
  ["[1, 2, 3][OFFSET(1)]", 2],
  ["['a', 'b'][ORDINAL(1)]", "a"],
  ["ARRAY_TO_STRING(['x', 'y'], '-')", "x-y"],
  ["(SELECT SUM(v) FROM UNNEST([1, 2, 3]) AS v)", 6],
  ["(SELECT STRING_AGG(CAST(o AS STRING), ',') FROM UNNEST(['a', 'b']) AS v WITH OFFSET o)", "0,1"],
  ["STRUCT(1 AS a, 'b' AS b).b", "b"],
  ["STRUCT(1 AS a, 'b' AS b)", { a: 1, b: "b" }],
  ["EXTRACT(YEAR FROM DATE '2024-03-15')", 2024],
  ["EXTRACT(DAYOFWEEK FROM DATE '2024-03-17')", 1],
  ["EXTRACT(HOUR FROM TIMESTAMP '2024-03-15 13:45:00 UTC')", 13],
  ["DATE_TRUNC(DATE '2024-03-15', MONTH)", "2024-03-01"],
  ["DATE_TRUNC(DATE '2024-03-15', WEEK)", "2024-03-10"],
  ["DATE_ADD(DATE '2024-01-31', INTERVAL 1 DAY)", "2024-02-01"],
  ["DATE_DIFF(DATE '2024-03-01', DATE '2024-02-01', DAY)", 29],
  ["TIMESTAMP_DIFF(TIMESTAMP '2024-01-01 01:30:00 UTC', TIMESTAMP '2024-01-01 00:00:00 UTC', HOUR)", 1],
  ["FORMAT_DATE('%Y/%m/%d', DATE '2024-03-15')", "2024/03/15"],
  ["PARSE_DATE('%F', '2024-03-15')", "2024-03-15"],
  ["UNIX_SECONDS(TIMESTAMP '2024-01-01 00:00:00 UTC')", 1704067200],
  ["CURRENT_DATE() >= DATE '2024-01-01'", true],
  ["CURRENT_TIMESTAMP() > TIMESTAMP '2024-01-01 00:00:00 UTC'", true],
  ["IF(1 < 2, 'yes', 'no')", "yes"],
  ["COUNTIF(TRUE)", 1],
  ["REGEXP_CONTAINS('abc123', r'\\d+')", true],
  ["REGEXP_EXTRACT('abc123', r'[a-z]+(\\d+)')", "123"],
  ["REGEXP_EXTRACT('abc', r'\\d+')", null],
  ["REGEXP_REPLACE('a-b-c', '-', '+')", "a+b+c"],
  ["SPLIT('a,b,c')", ["a", "b", "c"]],
  ["SAFE_DIVIDE(1, 0)", null],
  ["DIV(7, 2)", 3],
  ["MOD(7, 2)", 1],
  ["LOG(EXP(1))", 1],
  ["1 / 4", 0.25],
  ["'It\\'s' = \"It's\"", true],
  ["'''multi\nline'''", "multi\nline"],
  ["STARTS_WITH('emulator', 'emu')", true],
  ["TO_HEX(b'\\x01\\xff')", "01ff"],
  ["5 IN UNNEST([1, 5])", true],
];

describe("GoogleSQL functions on DuckDB", () => {
  test.each(CASES)("%s", async (expression, expected) => {
    const [rows] = await client(emulator()).query(`SELECT ${expression} AS v`);
    let value = rows[0].v;
    if (value && typeof value === "object" && "value" in value) value = value.value; // DATE and friends
    if (typeof expected === "number" && typeof value === "number" && !Number.isInteger(expected))
      expect(value).toBeCloseTo(expected, 9);
    else if (typeof expected === "number" && expression.startsWith("LOG"))
      expect(value).toBeCloseTo(expected, 9);
    else expect(value).toEqual(expected);
  });

  test("result types map back to BigQuery types", async () => {
    const [, , response] = (await client(emulator()).query(
      `SELECT 1 AS i, 1.5 AS f, NUMERIC '1.5' AS n, 'a' AS s, b'a' AS b, TRUE AS t, DATE '2024-01-01' AS d,
              DATETIME '2024-01-01 10:00:00' AS dt, TIME '10:00:00' AS tm, TIMESTAMP '2024-01-01 00:00:00 UTC' AS ts,
              [1, 2] AS arr, STRUCT(1 AS a, [STRUCT('x' AS y)] AS nested) AS rec, SUM(1) AS total`,
      { autoPaginate: false },
    )) as unknown as [unknown, unknown, any];
    const fields = response.schema.fields;
    expect(fields.map((f: any) => [f.name, f.type, f.mode])).toEqual([
      ["i", "INTEGER", "NULLABLE"],
      ["f", "FLOAT", "NULLABLE"],
      ["n", "NUMERIC", "NULLABLE"],
      ["s", "STRING", "NULLABLE"],
      ["b", "BYTES", "NULLABLE"],
      ["t", "BOOLEAN", "NULLABLE"],
      ["d", "DATE", "NULLABLE"],
      ["dt", "DATETIME", "NULLABLE"],
      ["tm", "TIME", "NULLABLE"],
      ["ts", "TIMESTAMP", "NULLABLE"],
      ["arr", "INTEGER", "REPEATED"],
      ["rec", "RECORD", "NULLABLE"],
      ["total", "INTEGER", "NULLABLE"],
    ]);
    expect(fields[11].fields).toEqual([
      { name: "a", type: "INTEGER", mode: "NULLABLE" },
      {
        name: "nested",
        type: "RECORD",
        mode: "REPEATED",
        fields: [{ name: "y", type: "STRING", mode: "NULLABLE" }],
      },
    ]);
  });

  test("joins, CTEs, window functions and QUALIFY", async () => {
    const bq = client(emulator());
    const [rows] = await bq.query(`
      WITH sales AS (
        SELECT 'a' AS who, 10 AS amount UNION ALL SELECT 'a', 30 UNION ALL SELECT 'b', 5
      ), people AS (SELECT 'a' AS who, 'Ada' AS name UNION ALL SELECT 'b', 'Bob')
      SELECT p.name, s.amount, ROW_NUMBER() OVER (PARTITION BY s.who ORDER BY s.amount DESC) AS rank
      FROM sales AS s JOIN people p USING (who)
      QUALIFY rank = 1
      ORDER BY p.name`);
    expect(rows).toEqual([
      { name: "Ada", amount: 30, rank: 1 },
      { name: "Bob", amount: 5, rank: 1 },
    ]);
  });

  test("ORDER BY puts NULLs first ascending, as BigQuery does", async () => {
    const [rows] = await client(emulator()).query("SELECT x FROM UNNEST([2, NULL, 1]) AS x ORDER BY x");
    expect(rows.map((r) => r.x)).toEqual([null, 1, 2]);
  });
});
