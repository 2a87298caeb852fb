/**
 * GoogleSQL functions whose DuckDB counterpart has another name, argument order or result type.
 * Functions not listed here are passed through unchanged: DuckDB already has COUNT, SUM, AVG, MIN,
 * MAX, LOWER, UPPER, LENGTH, SUBSTR, ROUND, IFNULL, COALESCE, IF, ARRAY_AGG, STRING_AGG, ...
 */
import { sqlString } from "./literals";
import { SqlError, unsupported } from "./sql-error";

/** What a rewrite sees of one call. */
export interface FunctionCall {
  /** Upper-cased function name. */
  name: string;
  /** Arguments, already translated. */
  args: string[];
  /** An argument that is a bare keyword such as `MONTH` or `WEEK(MONDAY)`, upper-cased. */
  keyword(index: number): string | undefined;
  /** An argument that is a single string literal, decoded. */
  stringLiteral(index: number): string | undefined;
}

type Rewrite = (call: FunctionCall) => string;

function arity(call: FunctionCall, min: number, max = min): void {
  const n = call.args.length;
  if (n < min || n > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    throw new SqlError(
      `No matching signature for function ${call.name}: expected ${expected} arguments, got ${n}`,
    );
  }
}

function rename(to: string, min = 0, max = Infinity): Rewrite {
  return (call) => {
    arity(call, min, max);
    return `${to}(${call.args.join(", ")})`;
  };
}

const DATE_PARTS = new Set([
  "MICROSECOND",
  "MILLISECOND",
  "SECOND",
  "MINUTE",
  "HOUR",
  "DAY",
  "WEEK",
  "ISOWEEK",
  "MONTH",
  "QUARTER",
  "YEAR",
  "ISOYEAR",
]);

/** A date part argument, checked; WEEK(SUNDAY) is plain WEEK. */
function datePart(call: FunctionCall, index: number): string {
  const part = call.keyword(index);
  if (!part)
    throw new SqlError(`${call.name} expects a date part such as DAY or MONTH as argument ${index + 1}`);
  if (part === "WEEK(SUNDAY)") return "WEEK";
  if (part === "WEEK(MONDAY)") return "ISOWEEK";
  if (part.startsWith("WEEK(")) throw unsupported(`${part} in ${call.name}`);
  if (!DATE_PARTS.has(part)) throw new SqlError(`A valid date part name is required but found ${part}`);
  return part;
}

/**
 * date_trunc for a date part. DuckDB weeks start on Monday (ISO); BigQuery's WEEK starts on Sunday,
 * so the value is shifted by a day around an ISO truncation.
 */
function truncate(expr: string, part: string): string {
  if (part === "WEEK") return `(date_trunc('week', ${expr} + INTERVAL 1 DAY) - INTERVAL 1 DAY)`;
  if (part === "ISOWEEK") return `date_trunc('week', ${expr})`;
  return `date_trunc('${part.toLowerCase()}', ${expr})`;
}

function diffPart(part: string): string {
  if (part === "WEEK" || part === "ISOWEEK") return "week";
  return part.toLowerCase();
}

/** GoogleSQL format elements DuckDB's strftime/strptime spell differently. */
function formatString(call: FunctionCall, index: number): string {
  const literal = call.stringLiteral(index);
  if (literal === undefined) return call.args[index]!;
  const converted = literal
    .replace(/%F/g, "%Y-%m-%d")
    .replace(/%T/g, "%H:%M:%S")
    .replace(/%D/g, "%m/%d/%y")
    .replace(/%R/g, "%H:%M")
    .replace(/%E\*S|%E6S/g, "%S.%f")
    .replace(/%E3S/g, "%S.%g")
    .replace(/%Ez/g, "%z")
    .replace(/%Q/g, "%q");
  return sqlString(converted);
}

/** Whether a regular expression has a capturing group, which makes REGEXP_EXTRACT return that group. */
function captureGroup(call: FunctionCall, index: number): number {
  let pattern = call.stringLiteral(index);
  if (pattern === undefined) {
    // Parameters arrive inlined as CAST('...' AS VARCHAR).
    const m = /^\s*CAST\('((?:[^']|'')*)' AS VARCHAR\)$/.exec(call.args[index]!);
    pattern = m ? m[1]!.replace(/''/g, "'") : "";
  }
  return /(^|[^\\])\((?!\?(?!P<))/.test(pattern) ? 1 : 0;
}

function nowUtc(tz?: string): string {
  return `timezone(${tz ?? "'UTC'"}, get_current_timestamp())`;
}

export const FUNCTION_REWRITES: Record<string, Rewrite> = {
  // Aggregates and scalars that only differ by name.
  COUNTIF: rename("count_if", 1, 1),
  LOGICAL_AND: rename("bool_and", 1, 1),
  LOGICAL_OR: rename("bool_or", 1, 1),
  ARRAY_LENGTH: rename("len", 1, 1),
  ARRAY_REVERSE: rename("list_reverse", 1, 1),
  GENERATE_ARRAY: rename("generate_series", 2, 3),
  REGEXP_CONTAINS: rename("regexp_matches", 2, 2),
  BYTE_LENGTH: rename("octet_length", 1, 1),
  CHAR_LENGTH: rename("length", 1, 1),
  CHARACTER_LENGTH: rename("length", 1, 1),
  STARTS_WITH: rename("starts_with", 2, 2),
  ENDS_WITH: rename("ends_with", 2, 2),
  APPROX_COUNT_DISTINCT: rename("approx_count_distinct", 1, 1),
  FORMAT: rename("printf", 1),
  TO_BASE64: rename("to_base64", 1, 1),
  FROM_BASE64: rename("from_base64", 1, 1),
  FROM_HEX: rename("unhex", 1, 1),
  RAND: rename("random", 0, 0),
  LAST_DAY: (c) => {
    arity(c, 1, 2);
    if (c.args.length === 2 && datePart(c, 1) !== "MONTH")
      throw unsupported(`LAST_DAY with date part ${c.keyword(1)}`);
    return `last_day(${c.args[0]})`;
  },
  ARRAY_CONCAT: (c) => {
    arity(c, 1, Infinity);
    return c.args.slice(1).reduce((acc, a) => `list_concat(${acc}, ${a})`, c.args[0]!);
  },
  ARRAY_TO_STRING: (c) => {
    arity(c, 2, 2);
    return `array_to_string(${c.args[0]}, ${c.args[1]})`;
  },
  // BigQuery's CONCAT is NULL when any argument is NULL; DuckDB's concat skips NULLs, `||` does not.
  CONCAT: (c) => {
    arity(c, 1, Infinity);
    return c.args.length === 1 ? `(${c.args[0]})` : `(${c.args.join(" || ")})`;
  },
  SPLIT: (c) => {
    arity(c, 1, 2);
    return `string_split(${c.args[0]}, ${c.args[1] ?? "','"})`;
  },
  SAFE_DIVIDE: (c) => {
    arity(c, 2, 2);
    return `(CASE WHEN (${c.args[1]}) = 0 THEN NULL ELSE (${c.args[0]}) / (${c.args[1]}) END)`;
  },
  IEEE_DIVIDE: (c) => {
    arity(c, 2, 2);
    return `(CAST(${c.args[0]} AS DOUBLE) / (${c.args[1]}))`;
  },
  DIV: (c) => {
    arity(c, 2, 2);
    return `((${c.args[0]}) // (${c.args[1]}))`;
  },
  // LOG is the natural logarithm in GoogleSQL and base 10 in DuckDB.
  LOG: (c) => {
    arity(c, 1, 2);
    return c.args.length === 1 ? `ln(${c.args[0]})` : `(ln(${c.args[0]}) / ln(${c.args[1]}))`;
  },
  LPAD: (c) => {
    arity(c, 2, 3);
    return `lpad(${c.args[0]}, ${c.args[1]}, ${c.args[2] ?? "' '"})`;
  },
  RPAD: (c) => {
    arity(c, 2, 3);
    return `rpad(${c.args[0]}, ${c.args[1]}, ${c.args[2] ?? "' '"})`;
  },
  TO_HEX: (c) => {
    arity(c, 1, 1);
    return `lower(hex(${c.args[0]}))`;
  },
  MD5: (c) => {
    arity(c, 1, 1);
    return `unhex(md5(${c.args[0]}))`;
  },
  SHA1: (c) => {
    arity(c, 1, 1);
    return `unhex(sha1(${c.args[0]}))`;
  },
  SHA256: (c) => {
    arity(c, 1, 1);
    return `unhex(sha256(${c.args[0]}))`;
  },
  // BigQuery returns NULL when nothing matches; DuckDB returns an empty string.
  REGEXP_EXTRACT: (c) => {
    if (c.args.length > 2) throw unsupported("REGEXP_EXTRACT with position or occurrence arguments");
    arity(c, 2, 2);
    return `(CASE WHEN regexp_matches(${c.args[0]}, ${c.args[1]}) THEN regexp_extract(${c.args[0]}, ${c.args[1]}, ${captureGroup(c, 1)}) END)`;
  },
  REGEXP_EXTRACT_ALL: (c) => {
    arity(c, 2, 2);
    return `regexp_extract_all(${c.args[0]}, ${c.args[1]}, ${captureGroup(c, 1)})`;
  },
  REGEXP_REPLACE: (c) => {
    arity(c, 3, 3);
    return `regexp_replace(${c.args[0]}, ${c.args[1]}, ${c.args[2]}, 'g')`;
  },
  JSON_EXTRACT: rename("json_extract", 2, 2),
  JSON_QUERY: rename("json_extract", 2, 2),
  JSON_EXTRACT_SCALAR: rename("json_extract_string", 2, 2),
  JSON_VALUE: rename("json_extract_string", 2, 2),
  PARSE_JSON: (c) => {
    arity(c, 1, 1);
    return `CAST(${c.args[0]} AS JSON)`;
  },
  TO_JSON: rename("to_json", 1, 1),
  TO_JSON_STRING: (c) => {
    arity(c, 1, 2);
    return `CAST(to_json(${c.args[0]}) AS VARCHAR)`;
  },
  GENERATE_UUID: (c) => {
    arity(c, 0, 0);
    return "CAST(gen_random_uuid() AS VARCHAR)";
  },
  SESSION_USER: (c) => {
    arity(c, 0, 0);
    return "'emulator@localhost'";
  },

  // Dates and times.
  CURRENT_TIMESTAMP: (c) => {
    arity(c, 0, 0);
    return "get_current_timestamp()";
  },
  CURRENT_DATE: (c) => {
    arity(c, 0, 1);
    return `CAST(${nowUtc(c.args[0])} AS DATE)`;
  },
  CURRENT_DATETIME: (c) => {
    arity(c, 0, 1);
    return nowUtc(c.args[0]);
  },
  CURRENT_TIME: (c) => {
    arity(c, 0, 1);
    return `CAST(${nowUtc(c.args[0])} AS TIME)`;
  },
  DATE: (c) => {
    arity(c, 1, 3);
    if (c.args.length === 3) return `make_date(${c.args.join(", ")})`;
    if (c.args.length === 2) return `CAST(timezone(${c.args[1]}, ${c.args[0]}) AS DATE)`;
    return `CAST(${c.args[0]} AS DATE)`;
  },
  TIME: (c) => {
    arity(c, 1, 3);
    if (c.args.length === 3) return `make_time(${c.args[0]}, ${c.args[1]}, CAST(${c.args[2]} AS DOUBLE))`;
    if (c.args.length === 2) return `CAST(timezone(${c.args[1]}, ${c.args[0]}) AS TIME)`;
    return `CAST(${c.args[0]} AS TIME)`;
  },
  DATETIME: (c) => {
    const n = c.args.length;
    if (n === 6) return `make_timestamp(${c.args.slice(0, 5).join(", ")}, CAST(${c.args[5]} AS DOUBLE))`;
    if (n === 2) {
      // DATETIME(date, time) or DATETIME(timestamp, time_zone); only the first is common enough to guess.
      return `(CAST(${c.args[0]} AS DATE) + CAST(${c.args[1]} AS TIME))`;
    }
    arity(c, 1, 1);
    return `CAST(${c.args[0]} AS TIMESTAMP)`;
  },
  TIMESTAMP: (c) => {
    arity(c, 1, 2);
    if (c.args.length === 2) return `timezone(${c.args[1]}, CAST(${c.args[0]} AS TIMESTAMP))`;
    return `CAST(${c.args[0]} AS TIMESTAMPTZ)`;
  },
  DATE_TRUNC: (c) => {
    arity(c, 2, 2);
    return `CAST(${truncate(`CAST(${c.args[0]} AS DATE)`, datePart(c, 1))} AS DATE)`;
  },
  DATETIME_TRUNC: (c) => {
    arity(c, 2, 2);
    return `CAST(${truncate(`CAST(${c.args[0]} AS TIMESTAMP)`, datePart(c, 1))} AS TIMESTAMP)`;
  },
  TIMESTAMP_TRUNC: (c) => {
    arity(c, 2, 3);
    const part = datePart(c, 1);
    if (c.args.length === 3) {
      // Truncate in the given zone's wall-clock time, then read the result back in that zone.
      return `timezone(${c.args[2]}, ${truncate(`timezone(${c.args[2]}, ${c.args[0]})`, part)})`;
    }
    return truncate(c.args[0]!, part);
  },
  DATE_ADD: (c) => {
    arity(c, 2, 2);
    return `CAST((${c.args[0]}) + ${c.args[1]} AS DATE)`;
  },
  DATE_SUB: (c) => {
    arity(c, 2, 2);
    return `CAST((${c.args[0]}) - ${c.args[1]} AS DATE)`;
  },
  DATETIME_ADD: (c) => {
    arity(c, 2, 2);
    return `((${c.args[0]}) + ${c.args[1]})`;
  },
  DATETIME_SUB: (c) => {
    arity(c, 2, 2);
    return `((${c.args[0]}) - ${c.args[1]})`;
  },
  TIMESTAMP_ADD: (c) => {
    arity(c, 2, 2);
    return `((${c.args[0]}) + ${c.args[1]})`;
  },
  TIMESTAMP_SUB: (c) => {
    arity(c, 2, 2);
    return `((${c.args[0]}) - ${c.args[1]})`;
  },
  TIME_ADD: (c) => {
    arity(c, 2, 2);
    return `((${c.args[0]}) + ${c.args[1]})`;
  },
  TIME_SUB: (c) => {
    arity(c, 2, 2);
    return `((${c.args[0]}) - ${c.args[1]})`;
  },
  // DATE_DIFF and DATETIME_DIFF count part boundaries; TIMESTAMP_DIFF counts whole parts elapsed.
  DATE_DIFF: (c) => {
    arity(c, 3, 3);
    return `date_diff('${diffPart(datePart(c, 2))}', ${c.args[1]}, ${c.args[0]})`;
  },
  DATETIME_DIFF: (c) => {
    arity(c, 3, 3);
    return `date_diff('${diffPart(datePart(c, 2))}', ${c.args[1]}, ${c.args[0]})`;
  },
  TIMESTAMP_DIFF: (c) => {
    arity(c, 3, 3);
    return `date_sub('${diffPart(datePart(c, 2))}', ${c.args[1]}, ${c.args[0]})`;
  },
  FORMAT_DATE: (c) => {
    arity(c, 2, 2);
    return `strftime(${c.args[1]}, ${formatString(c, 0)})`;
  },
  FORMAT_DATETIME: (c) => {
    arity(c, 2, 2);
    return `strftime(${c.args[1]}, ${formatString(c, 0)})`;
  },
  FORMAT_TIMESTAMP: (c) => {
    arity(c, 2, 3);
    const value = c.args.length === 3 ? `timezone(${c.args[2]}, ${c.args[1]})` : c.args[1];
    return `strftime(${value}, ${formatString(c, 0)})`;
  },
  PARSE_DATE: (c) => {
    arity(c, 2, 2);
    return `CAST(strptime(${c.args[1]}, ${formatString(c, 0)}) AS DATE)`;
  },
  PARSE_DATETIME: (c) => {
    arity(c, 2, 2);
    return `CAST(strptime(${c.args[1]}, ${formatString(c, 0)}) AS TIMESTAMP)`;
  },
  PARSE_TIMESTAMP: (c) => {
    arity(c, 2, 3);
    if (c.args.length === 3)
      return `timezone(${c.args[2]}, CAST(strptime(${c.args[1]}, ${formatString(c, 0)}) AS TIMESTAMP))`;
    return `CAST(strptime(${c.args[1]}, ${formatString(c, 0)}) AS TIMESTAMPTZ)`;
  },
  UNIX_SECONDS: (c) => {
    arity(c, 1, 1);
    return `CAST(floor(epoch(${c.args[0]})) AS BIGINT)`;
  },
  UNIX_MILLIS: rename("epoch_ms", 1, 1),
  UNIX_MICROS: rename("epoch_us", 1, 1),
  UNIX_DATE: (c) => {
    arity(c, 1, 1);
    return `date_diff('day', DATE '1970-01-01', ${c.args[0]})`;
  },
  DATE_FROM_UNIX_DATE: (c) => {
    arity(c, 1, 1);
    return `CAST(DATE '1970-01-01' + CAST(${c.args[0]} AS INTEGER) AS DATE)`;
  },
  TIMESTAMP_SECONDS: (c) => {
    arity(c, 1, 1);
    return `CAST(make_timestamp(CAST(${c.args[0]} AS BIGINT) * 1000000) AS TIMESTAMPTZ)`;
  },
  TIMESTAMP_MILLIS: (c) => {
    arity(c, 1, 1);
    return `CAST(make_timestamp(CAST(${c.args[0]} AS BIGINT) * 1000) AS TIMESTAMPTZ)`;
  },
  TIMESTAMP_MICROS: (c) => {
    arity(c, 1, 1);
    return `CAST(make_timestamp(CAST(${c.args[0]} AS BIGINT)) AS TIMESTAMPTZ)`;
  },
  GENERATE_DATE_ARRAY: (c) => {
    arity(c, 2, 3);
    const step = c.args[2] ?? "INTERVAL 1 DAY";
    return `CAST(generate_series(CAST(CAST(${c.args[0]} AS DATE) AS TIMESTAMP), CAST(CAST(${c.args[1]} AS DATE) AS TIMESTAMP), ${step}) AS DATE[])`;
  },
  GENERATE_TIMESTAMP_ARRAY: (c) => {
    arity(c, 3, 3);
    return `generate_series(CAST(${c.args[0]} AS TIMESTAMPTZ), CAST(${c.args[1]} AS TIMESTAMPTZ), ${c.args[2]})`;
  },
};

/** EXTRACT(part FROM value) for one part. */
export function extractPart(part: string, value: string): string {
  switch (part) {
    case "DAYOFWEEK": // 1 = Sunday in GoogleSQL, 0 = Sunday in DuckDB
      return `(extract(dow FROM ${value}) + 1)`;
    case "DAYOFYEAR":
      return `extract(doy FROM ${value})`;
    case "WEEK":
    case "WEEK(SUNDAY)": // weeks start on Sunday; days before the year's first Sunday are week 0
      return `CAST(floor((extract(doy FROM ${value}) - 1 - extract(dow FROM ${value}) + 7) / 7) AS BIGINT)`;
    case "ISOWEEK":
      return `extract(week FROM ${value})`;
    case "ISOYEAR":
      return `extract(isoyear FROM ${value})`;
    case "MILLISECOND": // DuckDB counts the whole seconds too
      return `(extract(millisecond FROM ${value}) % 1000)`;
    case "MICROSECOND":
      return `(extract(microsecond FROM ${value}) % 1000000)`;
    case "DATE":
      return `CAST(${value} AS DATE)`;
    case "TIME":
      return `CAST(${value} AS TIME)`;
    case "DATETIME":
      return `CAST(${value} AS TIMESTAMP)`;
    case "YEAR":
    case "QUARTER":
    case "MONTH":
    case "DAY":
    case "HOUR":
    case "MINUTE":
    case "SECOND":
      return `extract(${part.toLowerCase()} FROM ${value})`;
    default:
      if (part.startsWith("WEEK(")) throw unsupported(`EXTRACT(${part} ...)`);
      throw new SqlError(`A valid date part name is required but found ${part}`);
  }
}
