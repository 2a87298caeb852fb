/**
 * The statement the connector sends: flyte-sdk's `%(name)s` placeholders (pyformat, as the Python
 * connector hands them to `cursor.execute_async`) become the SQL API's `?` bindings, typed from the task
 * interface; `batch` expands one `VALUES (...)` clause exactly as the Python plugin's `_expand_batch_query`.
 */
import {
  ConnectorError,
  DataFrame,
  Duration,
  Float,
  FlyteDirectory,
  FlyteFile,
} from "@flyte-connectors/runtime";
import type { LiteralType, TaskTemplate } from "@flyte-connectors/runtime/wire";

/** A bind variable as the SQL API takes it. */
export interface Binding {
  type: string;
  value: string | null;
}

// Flyte's SimpleType numbers (flyteidl2.core.SimpleType).
const SIMPLE = { NONE: 0, INTEGER: 1, FLOAT: 2, STRING: 3, BOOLEAN: 4, DATETIME: 5, DURATION: 6, STRUCT: 9 };

/**
 * The Python plugin's query folding (`task.py`): newlines and tabs to spaces, runs of whitespace to one
 * space, trimmed — `re.sub(r"\s+", " ", q.replace("\n", " ").replace("\t", " ")).strip()`.
 */
export function foldQuery(query: string): string {
  // Python's \s and str.strip() on str: Unicode whitespace, as JavaScript's \s and trim().
  return query.replace(/\n/g, " ").replace(/\t/g, " ").replace(/\s+/g, " ").trim();
}

const VALUES_CLAUSE = /VALUES\s*\(((?:[^()]+|\([^)]*\))*)\)/gi;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * flyte-sdk's `_expand_batch_query`, line for line: list inputs expand the query's one `VALUES (...)`
 * clause into one row per index, `%(a)s` becoming `%(a_0)s`, `%(a_1)s`, ...; the flat parameters are
 * ordered row by row, then by input. Throws the Python plugin's messages (as bad requests on `inputs`).
 *
 * (The Python pattern's inner `[^()]*` is `[^()]+` here: the same matches, without JavaScript's
 * exponential backtracking on a clause that does not close.)
 */
export function expandBatchQuery(
  query: string,
  inputs: Readonly<Record<string, readonly unknown[]>>,
): { query: string; params: Record<string, unknown> } {
  const keys = Object.keys(inputs);
  const lengths = new Set(Object.values(inputs).map((v) => v.length));
  const bad = (message: string) => ConnectorError.badRequest(message, { details: { field: "inputs" } });
  if (lengths.size !== 1) throw bad("All batch input lists must have the same length.");
  const rows = [...lengths][0]!;
  if (rows === 0) throw bad("Batch inputs must contain at least one row.");
  const matches = [...query.matchAll(VALUES_CLAUSE)];
  if (matches.length === 0) throw bad("Batch inputs require a query template with a VALUES (...) clause.");
  if (matches.length > 1) throw bad("Batch query expansion supports exactly one VALUES (...) clause.");
  const match = matches[0]!;
  const content = match[1]!;
  const valueRows: string[] = [];
  const params: Record<string, unknown> = {};
  for (let i = 0; i < rows; i++) {
    let row = content;
    for (const key of keys) {
      row = row.replace(new RegExp(`%\\(${escapeRegExp(key)}\\)s`, "g"), () => `%(${key}_${i})s`);
      params[`${key}_${i}`] = inputs[key]![i];
    }
    valueRows.push(`(${row})`);
  }
  const before = query.slice(0, match.index);
  const after = query.slice(match.index! + match[0].length);
  return { query: `${before}VALUES ${valueRows.join(", ")}${after}`, params };
}

/** The declared Flyte type of each input, from the template's interface. */
export function inputTypes(template: TaskTemplate): Map<string, LiteralType> {
  const types = new Map<string, LiteralType>();
  for (const entry of template.interface?.inputs?.variables ?? []) {
    if (entry.value?.type) types.set(entry.key, entry.value.type);
  }
  return types;
}

/** The element type of a list type (for a batch input), else the type itself. */
export function elementType(type: LiteralType | undefined): LiteralType | undefined {
  return type?.type?.$case === "collectionType" ? type.type.value : type;
}

/** A Date as the SQL API's TIMESTAMP_TZ text, in UTC: `2024-05-01 12:00:00.000 +00:00`. */
const timestampText = (d: Date) => `${d.toISOString().replace("T", " ").replace("Z", "")} +00:00`;

/**
 * A native input as a SQL API binding: FIXED, REAL, TEXT, BOOLEAN, TIMESTAMP_TZ; the type from the
 * interface where it says (2.0 declared float is REAL), else from the value. `field` names the input.
 */
export function bindingOf(value: unknown, type: LiteralType | undefined, field: string): Binding {
  const simple = type?.type?.$case === "simple" ? (type.type.value as number) : undefined;
  if (value === null || value === undefined) return { type: "TEXT", value: null };
  if (value instanceof Float) return { type: "REAL", value: String(value.value) };
  if (typeof value === "bigint") return { type: "FIXED", value: value.toString() };
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return { type: "REAL", value: String(value) };
    if (simple === SIMPLE.FLOAT || !Number.isInteger(value)) return { type: "REAL", value: String(value) };
    return { type: "FIXED", value: String(value) };
  }
  if (typeof value === "boolean") return { type: "BOOLEAN", value: value ? "true" : "false" };
  if (typeof value === "string") return { type: "TEXT", value };
  if (value instanceof Date) return { type: "TIMESTAMP_TZ", value: timestampText(value) };
  if (
    value instanceof Duration ||
    value instanceof FlyteFile ||
    value instanceof FlyteDirectory ||
    value instanceof DataFrame
  ) {
    throw ConnectorError.badRequest(
      `${field}: ${value.constructor.name} values cannot be bound in a Snowflake query`,
      {
        details: { field },
      },
    );
  }
  if (typeof value === "object" && simple === SIMPLE.STRUCT)
    return { type: "TEXT", value: JSON.stringify(value) };
  throw ConnectorError.badRequest(
    `${field}: this value cannot be bound in a Snowflake query (use int, float, str, bool or datetime)`,
    {
      details: { field },
    },
  );
}

/**
 * The pyformat query as the SQL API's statement: each `%(name)s` becomes `?` with the binding of
 * `params[name]`, in order; `%%` becomes `%` — as Python's `query % params` does, and only when there
 * are parameters (the Python connector leaves the query alone without them). A placeholder with no
 * parameter is a bad request naming it, where Python raises KeyError.
 */
export function toPositional(
  query: string,
  params: Readonly<Record<string, unknown>>,
  typeOf: (name: string) => LiteralType | undefined,
): { statement: string; bindings: Record<string, Binding> | undefined } {
  if (Object.keys(params).length === 0) return { statement: query, bindings: undefined };
  const bindings: Record<string, Binding> = {};
  let n = 0;
  const statement = query.replace(/%%|%\(([^)]*)\)s/g, (whole, name: string | undefined) => {
    if (whole === "%%") return "%";
    if (!(name! in params)) {
      throw ConnectorError.badRequest(`the query uses %(${name})s but the task has no input "${name}"`, {
        details: { field: `inputs.${name}` },
      });
    }
    bindings[String(++n)] = bindingOf(params[name!], typeOf(name!), `inputs.${name}`);
    return "?";
  });
  return { statement, bindings: n ? bindings : undefined };
}

/**
 * The statement and bindings for a task: the Python connector's query and parameters (batch expanded
 * when `custom.batch` is set and there are inputs), in the SQL API's positional form.
 */
export function statementOf(
  template: TaskTemplate,
  inputs: Readonly<Record<string, unknown>>,
  batch: boolean,
): { statement: string; bindings: Record<string, Binding> | undefined } {
  const sql = template.target?.$case === "sql" ? template.target.value.statement : "";
  if (!sql.trim()) {
    throw ConnectorError.badRequest("the task has no SQL (template.sql.statement)", {
      details: { field: "sql.statement" },
    });
  }
  const types = inputTypes(template);
  if (batch && Object.keys(inputs).length > 0) {
    for (const [name, value] of Object.entries(inputs)) {
      if (!Array.isArray(value)) {
        throw ConnectorError.badRequest(`custom.batch is set, so input "${name}" must be a list`, {
          details: { field: `inputs.${name}` },
        });
      }
    }
    const expanded = expandBatchQuery(sql, inputs as Record<string, unknown[]>);
    return toPositional(expanded.query, expanded.params, (flat) => {
      const name = flat.replace(/_\d+$/, "");
      return elementType(types.get(name));
    });
  }
  return toPositional(sql, inputs, (name) => types.get(name));
}
