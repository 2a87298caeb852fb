import { SqlError, translate, type TranslateOptions } from "../src/index";
import { tokenize } from "../src/sql/tokenizer";

const P = "my-proj";
const opts: TranslateOptions = { projectId: P };

function sql(query: string, options: Partial<TranslateOptions> = {}): string {
  return translate(query, { ...opts, ...options }).sql;
}

function failure(query: string, options: Partial<TranslateOptions> = {}): SqlError {
  try {
    translate(query, { ...opts, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(SqlError);
    return error as SqlError;
  }
  throw new Error(`expected ${query} to fail`);
}

describe("tokenizer", () => {
  test("recognises strings, quoted identifiers, comments and parameters", () => {
    const tokens = tokenize(
      "SELECT 'a''b' -- no\n, \"c\\\"d\" # hash\n, `x.y`, @p, ?, r'\\n', b'\\x41', 0x1F /* c */",
    );
    const kinds = tokens.map((t) => `${t.kind}:${t.value}`);
    expect(kinds).toEqual([
      "ident:SELECT",
      "string:a",
      "string:b",
      "op:,",
      'string:c"d',
      "op:,",
      "quoted:x.y",
      "op:,",
      "param:p",
      "op:,",
      "positional:?",
      "op:,",
      "string:\\n",
      "op:,",
      expect.stringMatching(/^bytes:/),
      "op:,",
      "number:31",
      "eof:",
    ]);
  });

  test("decodes escapes, triple-quoted strings and UTF-8 byte escapes", () => {
    const [a, b, c] = tokenize("'tab\\there' '''multi\nline''' '\\xc3\\xa9\\u00e9'");
    expect(a!.value).toBe("tab\there");
    expect(b!.value).toBe("multi\nline");
    expect(c!.value).toBe("éé");
  });

  test("reports unclosed literals with a position", () => {
    expect(() => tokenize("SELECT\n  'open")).toThrow(/Unclosed string literal at \[2:3\]/);
    expect(() => tokenize("SELECT `open")).toThrow(/Unclosed identifier literal/);
    expect(() => tokenize("SELECT 1 /* open")).toThrow(/Unclosed comment/);
  });
});

describe("table names", () => {
  test("backtick project.dataset.table, dataset.table and split quoting", () => {
    expect(sql("SELECT * FROM `other-proj.sales.orders`")).toBe('SELECT * FROM "other-proj__sales"."orders"');
    expect(sql("SELECT * FROM sales.orders")).toBe('SELECT * FROM "my-proj__sales"."orders"');
    expect(sql("SELECT * FROM `sales`.`orders` o")).toBe('SELECT * FROM "my-proj__sales"."orders" AS "o"');
    expect(sql("SELECT * FROM `other-proj`.sales.orders AS o")).toBe(
      'SELECT * FROM "other-proj__sales"."orders" AS "o"',
    );
  });

  test("unquoted project ids with dashes", () => {
    expect(sql("SELECT * FROM my-other-proj.sales.orders")).toBe(
      'SELECT * FROM "my-other-proj__sales"."orders"',
    );
  });

  test("one-part names use the default dataset, except CTE names", () => {
    const t = translate(
      "WITH recent AS (SELECT * FROM orders) SELECT * FROM recent JOIN customers c ON true",
      {
        projectId: P,
        defaultDataset: { projectId: "dd-proj", datasetId: "shop" },
      },
    );
    expect(t.sql).toBe(
      'WITH recent AS (SELECT * FROM "dd-proj__shop"."orders") SELECT * FROM "recent" JOIN "dd-proj__shop"."customers" AS "c" ON true',
    );
    expect(t.reads).toEqual([
      { projectId: "dd-proj", datasetId: "shop", tableId: "orders" },
      { projectId: "dd-proj", datasetId: "shop", tableId: "customers" },
    ]);
  });

  test("a one-part name without a default dataset is an error naming the table", () => {
    expect(failure("SELECT * FROM orders").message).toMatch(
      /Table name "orders" missing dataset while no default dataset is set/,
    );
  });

  test("every FROM item and join is resolved, subqueries included", () => {
    const t = translate(
      "SELECT a.x FROM d.a, (SELECT * FROM d.b) AS s LEFT JOIN d.c ON a.x = c.x WHERE a.x IN (SELECT x FROM d.e)",
      opts,
    );
    expect(t.reads.map((r) => r.tableId)).toEqual(["a", "b", "c", "e"]);
    expect(t.sql).toContain(
      'FROM "my-proj__d"."a", (SELECT * FROM "my-proj__d"."b") AS "s" LEFT JOIN "my-proj__d"."c" ON',
    );
  });

  test("column paths and struct fields are left alone", () => {
    expect(sql("SELECT t.pickup.zone, t.fare FROM d.trips t ORDER BY t.fare, t.pickup.zone")).toBe(
      'SELECT t.pickup.zone, t.fare FROM "my-proj__d"."trips" AS "t" ORDER BY t.fare, t.pickup.zone',
    );
  });
});

describe("literals and parameters", () => {
  test("string literals are re-quoted for DuckDB, never rewritten inside", () => {
    expect(sql(`SELECT "it's", 'FROM d.t @p ? \`x\`', r'\\d+' AS re`)).toBe(
      `SELECT 'it''s' AS "f0_", 'FROM d.t @p ? \`x\`' AS "f1_", '\\d+' AS re`,
    );
  });

  test("bytes literals, hex and float numbers", () => {
    expect(sql("SELECT b'AB' AS b, 0xFF AS h, 1.5 AS f, 2 AS i")).toBe(
      "SELECT from_hex('4142') AS b, 255 AS h, CAST(1.5 AS DOUBLE) AS f, 2 AS i",
    );
  });

  test("typed literals", () => {
    expect(
      sql(
        "SELECT DATE '2024-01-02' d, DATETIME '2024-01-02T03:04:05' dt, TIMESTAMP '2024-01-02 03:04:05 UTC' ts, NUMERIC '1.25' n",
      ),
    ).toBe(
      "SELECT DATE '2024-01-02' d, CAST('2024-01-02 03:04:05' AS TIMESTAMP) dt, CAST('2024-01-02 03:04:05+00' AS TIMESTAMPTZ) ts, CAST('1.25' AS DECIMAL(38,9)) n",
    );
  });

  test("named parameters of every type become typed literals", () => {
    const out = sql("SELECT @i, @F, @n, @s, @b, @by, @d, @dt, @ts, @arr, @st", {
      parameterMode: "NAMED",
      queryParameters: [
        { name: "i", parameterType: { type: "INT64" }, parameterValue: { value: "42" } },
        { name: "f", parameterType: { type: "FLOAT64" }, parameterValue: { value: 1.5 } },
        { name: "n", parameterType: { type: "NUMERIC" }, parameterValue: { value: "3.14" } },
        { name: "s", parameterType: { type: "STRING" }, parameterValue: { value: "O'Brien" } },
        { name: "b", parameterType: { type: "BOOL" }, parameterValue: { value: true } },
        { name: "by", parameterType: { type: "BYTES" }, parameterValue: { value: "QUJD" } },
        { name: "d", parameterType: { type: "DATE" }, parameterValue: { value: "2024-02-29" } },
        {
          name: "dt",
          parameterType: { type: "DATETIME" },
          parameterValue: { value: "2024-02-29T10:11:12.5" },
        },
        {
          name: "ts",
          parameterType: { type: "TIMESTAMP" },
          parameterValue: { value: "2024-02-29T10:11:12.000Z" },
        },
        {
          name: "arr",
          parameterType: { type: "ARRAY", arrayType: { type: "INT64" } },
          parameterValue: { arrayValues: [{ value: "1" }, { value: "2" }] },
        },
        {
          name: "st",
          parameterType: {
            type: "STRUCT",
            structTypes: [
              { name: "a", type: { type: "INT64" } },
              { name: "b", type: { type: "STRING" } },
            ],
          },
          parameterValue: { structValues: { a: { value: "7" }, b: { value: "x" } } },
        },
      ],
    });
    expect(out).toBe(
      'SELECT CAST(42 AS BIGINT) AS "f0_", CAST(\'1.5\' AS DOUBLE) AS "f1_", CAST(\'3.14\' AS DECIMAL(38,9)) AS "f2_", ' +
        "CAST('O''Brien' AS VARCHAR) AS \"f3_\", TRUE AS \"f4_\", from_hex('414243') AS \"f5_\", CAST('2024-02-29' AS DATE) AS \"f6_\", " +
        "CAST('2024-02-29 10:11:12.5' AS TIMESTAMP) AS \"f7_\", CAST('2024-02-29 10:11:12.000+00' AS TIMESTAMPTZ) AS \"f8_\", " +
        'CAST([CAST(1 AS BIGINT), CAST(2 AS BIGINT)] AS BIGINT[]) AS "f9_", ' +
        "CAST({'a': CAST(7 AS BIGINT), 'b': CAST('x' AS VARCHAR)} AS STRUCT(\"a\" BIGINT, \"b\" VARCHAR)) AS \"f10_\"",
    );
  });

  test("positional parameters are used in order", () => {
    expect(
      sql("SELECT * FROM d.t WHERE a = ? AND b = ?", {
        queryParameters: [
          { parameterType: { type: "STRING" }, parameterValue: { value: "x" } },
          { parameterType: { type: "INT64" }, parameterValue: { value: "2" } },
        ],
      }),
    ).toBe('SELECT * FROM "my-proj__d"."t" WHERE a = CAST(\'x\' AS VARCHAR) AND b = CAST(2 AS BIGINT)');
  });

  test("parameter errors are clear", () => {
    expect(failure("SELECT @missing").message).toMatch(/Query parameter 'missing' not found at \[1:8\]/);
    expect(
      failure("SELECT ?, ?", {
        queryParameters: [{ parameterType: { type: "INT64" }, parameterValue: { value: "1" } }],
      }).message,
    ).toMatch(/more positional parameters/);
    expect(
      failure("SELECT @x", {
        parameterMode: "NAMED",
        queryParameters: [{ name: "x", parameterType: { type: "INT64" }, parameterValue: { value: "one" } }],
      }).message,
    ).toMatch(/Invalid value for query parameter @x: Cannot convert value "one" to integer/);
    expect(
      failure("SELECT ?", {
        parameterMode: "NAMED",
        queryParameters: [{ name: "x", parameterType: { type: "INT64" }, parameterValue: { value: "1" } }],
      }).message,
    ).toMatch(/Positional parameters are not supported with named parameters/);
  });
});

describe("functions and syntax", () => {
  test("SAFE_CAST and CAST with GoogleSQL type names", () => {
    expect(
      sql(
        "SELECT SAFE_CAST(x AS INT64) a, CAST(y AS FLOAT64) b, CAST(z AS STRING) c, CAST(w AS ARRAY<STRUCT<k STRING, v ARRAY<INT64>>>) d FROM d.t",
      ),
    ).toBe(
      'SELECT TRY_CAST(x AS BIGINT) a, CAST(y AS DOUBLE) b, CAST(z AS VARCHAR) c, CAST(w AS STRUCT("k" VARCHAR, "v" BIGINT[])[]) d FROM "my-proj__d"."t"',
    );
  });

  test("unnamed columns are called f0_, f1_, ... and named ones keep their names", () => {
    expect(sql("SELECT COUNT(*), SUM(x) total, t.y, z, 1 + 1, * EXCEPT (q) FROM d.t")).toBe(
      'SELECT COUNT(*) AS "f0_", SUM(x) total, t.y, z, 1 + 1 AS "f1_", * EXCLUDE ("q") FROM "my-proj__d"."t"',
    );
  });

  test("UNNEST with an alias, WITH OFFSET, and IN UNNEST", () => {
    expect(sql("SELECT x FROM UNNEST([1, 2]) AS x")).toBe('SELECT x FROM UNNEST([1, 2]) AS "x"("x")');
    expect(
      sql("SELECT x, o FROM UNNEST(@a) x WITH OFFSET o", {
        queryParameters: [
          {
            name: "a",
            parameterType: { type: "ARRAY", arrayType: { type: "INT64" } },
            parameterValue: { arrayValues: [] },
          },
        ],
      }),
    ).toBe(
      'SELECT x, o FROM (SELECT UNNEST(CAST([] AS BIGINT[])) AS "x", UNNEST(range(len(CAST([] AS BIGINT[])))) AS "o") AS __unnest1',
    );
    expect(sql("SELECT 1 FROM d.t WHERE 3 IN UNNEST(t.arr)")).toBe(
      'SELECT 1 AS "f0_" FROM "my-proj__d"."t" WHERE 3 IN (SELECT UNNEST(t.arr))',
    );
    expect(sql("SELECT v FROM d.t, t.vals AS v")).toBe(
      'SELECT v FROM "my-proj__d"."t", UNNEST("t"."vals") AS "v"("v")',
    );
  });

  test("array subscripts become 1-based", () => {
    expect(sql("SELECT a[OFFSET(0)] x, a[ORDINAL(1)] y, a[SAFE_OFFSET(i)] z FROM d.t")).toBe(
      'SELECT a[(0) + 1] x, a[1] y, a[(i) + 1] z FROM "my-proj__d"."t"',
    );
  });

  test("STRUCT constructors, typed arrays and typed structs", () => {
    expect(
      sql(
        "SELECT STRUCT(1 AS a, t.b, 'c') s, ARRAY<INT64>[1, 2] arr, STRUCT<x INT64, y STRING>(1, 'y') ts FROM d.t",
      ),
    ).toBe(
      "SELECT {'a': 1, 'b': t.b, '_field_3': 'c'} s, CAST([1, 2] AS BIGINT[]) arr, {'x': CAST(1 AS BIGINT), 'y': CAST('y' AS VARCHAR)} ts FROM \"my-proj__d\".\"t\"",
    );
  });

  test("date functions: DATE_TRUNC, EXTRACT, DATE_ADD, DATE_DIFF, CURRENT_*", () => {
    expect(
      sql(
        "SELECT DATE_TRUNC(d, MONTH) a, EXTRACT(DAYOFWEEK FROM d) b, DATE_ADD(d, INTERVAL n DAY) c, DATE_DIFF(x, y, DAY) e FROM d.t",
      ),
    ).toBe(
      "SELECT CAST(date_trunc('month', CAST(d AS DATE)) AS DATE) a, (extract(dow FROM d) + 1) b, CAST((d) + INTERVAL (n) DAY AS DATE) c, date_diff('day', y, x) e FROM \"my-proj__d\".\"t\"",
    );
    expect(sql("SELECT CURRENT_TIMESTAMP() AS a, CURRENT_DATE() AS b")).toBe(
      "SELECT get_current_timestamp() AS a, CAST(timezone('UTC', get_current_timestamp()) AS DATE) AS b",
    );
  });

  test("GENERATE_ARRAY, ARRAY_LENGTH, CONCAT, IFNULL pass or map", () => {
    expect(
      sql(
        "SELECT ARRAY_LENGTH(GENERATE_ARRAY(1, 5)) n, CONCAT(a, '-', b) c, IFNULL(a, 'x') d, LOWER(a) e FROM d.t",
      ),
    ).toBe(
      "SELECT len(generate_series(1, 5)) n, (a || '-' || b) c, IFNULL(a, 'x') d, LOWER(a) e FROM \"my-proj__d\".\"t\"",
    );
  });
});

describe("statements", () => {
  test("DML statements report their type and target", () => {
    const insert = translate("INSERT d.t (a, b) VALUES (1, 'x')", opts);
    expect(insert.statementType).toBe("INSERT");
    expect(insert.target).toEqual({ projectId: P, datasetId: "d", tableId: "t" });
    expect(insert.sql).toBe('INSERT INTO "my-proj__d"."t" (a, b) VALUES (1, \'x\')');
    expect(translate("DELETE d.t WHERE a = 1", opts).sql).toBe('DELETE FROM "my-proj__d"."t" WHERE a = 1');
    const update = translate("UPDATE d.t SET a = s.a FROM d.s WHERE t.k = s.k", opts);
    expect(update.statementType).toBe("UPDATE");
    expect(update.reads).toEqual([{ projectId: P, datasetId: "d", tableId: "s" }]);
    const merge = translate(
      "MERGE d.t T USING d.s S ON T.k = S.k WHEN MATCHED THEN UPDATE SET v = S.v",
      opts,
    );
    expect(merge.statementType).toBe("MERGE");
    expect(merge.sql).toBe(
      'MERGE INTO "my-proj__d"."t" AS "T" USING "my-proj__d"."s" AS "S" ON T.k = S.k WHEN MATCHED THEN UPDATE SET v = S.v',
    );
  });

  test("DDL: CREATE TABLE with GoogleSQL types and options, CTAS, DROP, CREATE SCHEMA", () => {
    const create = translate(
      "CREATE OR REPLACE TABLE d.t (id INT64 NOT NULL OPTIONS(description='key'), tags ARRAY<STRING>, ts TIMESTAMP) PARTITION BY DATE(ts) CLUSTER BY id OPTIONS(description='x')",
      opts,
    );
    expect(create.statementType).toBe("CREATE_TABLE");
    expect(create.orReplace).toBe(true);
    expect(create.sql).toBe(
      'CREATE OR REPLACE TABLE "my-proj__d"."t" ("id" BIGINT NOT NULL, "tags" VARCHAR[], "ts" TIMESTAMPTZ)',
    );
    const ctas = translate("CREATE TABLE IF NOT EXISTS d.t AS SELECT 1 AS x", opts);
    expect(ctas.statementType).toBe("CREATE_TABLE_AS_SELECT");
    expect(ctas.sql).toBe('CREATE TABLE IF NOT EXISTS "my-proj__d"."t" AS SELECT 1 AS x');
    const drop = translate("DROP TABLE IF EXISTS d.t", opts);
    expect([drop.statementType, drop.ifExists, drop.sql]).toEqual([
      "DROP_TABLE",
      true,
      'DROP TABLE IF EXISTS "my-proj__d"."t"',
    ]);
    const schema = translate("CREATE SCHEMA IF NOT EXISTS other.d2 OPTIONS(location='EU')", opts);
    expect([schema.statementType, schema.dataset, schema.sql]).toEqual([
      "CREATE_SCHEMA",
      { projectId: "other", datasetId: "d2" },
      "",
    ]);
  });
});

describe("unsupported and invalid SQL fails clearly", () => {
  test.each([
    ["SELECT 1; SELECT 2", /multi-statement queries/],
    ["DECLARE x INT64", /DECLARE statements \(scripting\)/],
    ["SELECT * FROM d.INFORMATION_SCHEMA.TABLES", /INFORMATION_SCHEMA/],
    ["SELECT * FROM `d.events_*`", /wildcard tables/],
    ["SELECT SAFE.DIVIDE(1, 0)", /SAFE\. prefix/],
    ["SELECT AS STRUCT 1 AS a", /SELECT AS STRUCT/],
    ["SELECT * FROM d.t FOR SYSTEM_TIME AS OF CURRENT_TIMESTAMP()", /time travel/],
    ["SELECT @@project_id", /system variables/],
    ["SELECT 1 ^ 2", /XOR/],
    ["CREATE TEMP TABLE x AS SELECT 1", /temporary tables/],
    ["SELECT * FROM d.t PIVOT(SUM(x) FOR y IN ('a'))", /PIVOT/],
  ])("%s", (query, message) => {
    const error = failure(query);
    expect(error.message).toMatch(/^Unsupported by the BigQuery emulator: /);
    expect(error.message).toMatch(message);
    expect(error.reason).toBe("invalidQuery");
  });

  test.each([
    ["SELECT (1", /Syntax error: Unclosed "\(" opened at \[1:8\]/],
    ["SELECT 1)", /Syntax error: Unexpected "\)" at \[1:9\]/],
    ["SELECT CAST(x AS WHATEVER)", /unknown type WHATEVER/],
    ["", /Unexpected end of statement/],
    ["FOO BAR", /Syntax error: Unexpected keyword FOO at \[1:1\]/],
  ])("%s", (query, message) => {
    expect(failure(query).message).toMatch(message);
  });
});
