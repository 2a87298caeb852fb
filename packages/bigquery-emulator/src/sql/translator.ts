/**
 * GoogleSQL → DuckDB SQL, for the subset a local BigQuery stand-in needs.
 *
 * The query is tokenized once; the rewrite walks the tokens with the help of a bracket map, so
 * string literals and quoted identifiers are recognised before anything is changed, and a rewrite
 * never reaches inside them. Pure: no I/O, no DuckDB — the catalog checks happen in the executor,
 * which gets the tables the statement reads and writes.
 */
import { NUMERIC_DUCK_TYPE, normalizeTypeName, quoteIdent } from "./bq-types";
import { extractPart, FUNCTION_REWRITES, type FunctionCall } from "./functions";
import { sqlString, toSqlLiteral } from "./literals";
import { type DatasetRef, qualifiedTable, type TableRef } from "./naming";
import { bindParameters, type BoundParameters, type QueryParameter } from "./parameters";
import { SqlError, unsupported } from "./sql-error";
import { bytesLiteralValue, positionOf, tokenize, type Token } from "./tokenizer";

export type StatementType =
  | "SELECT"
  | "INSERT"
  | "UPDATE"
  | "DELETE"
  | "MERGE"
  | "CREATE_TABLE"
  | "CREATE_TABLE_AS_SELECT"
  | "CREATE_VIEW"
  | "DROP_TABLE"
  | "DROP_VIEW"
  | "TRUNCATE_TABLE"
  | "ALTER_TABLE"
  | "CREATE_SCHEMA"
  | "DROP_SCHEMA";

export interface TranslateOptions {
  /** The project running the query; `dataset.table` names resolve against it. */
  projectId: string;
  /** Resolves one-part table names, as the job's `defaultDataset` does. */
  defaultDataset?: { projectId?: string; datasetId: string };
  queryParameters?: QueryParameter[];
  /** NAMED or POSITIONAL (any case); guessed from the parameters when absent. */
  parameterMode?: string;
}

export interface Translation {
  /** DuckDB SQL; empty for CREATE SCHEMA / DROP SCHEMA, which the executor performs itself. */
  sql: string;
  statementType: StatementType;
  /** Tables and views the statement reads. */
  reads: TableRef[];
  /** The table or view a DML or DDL statement writes, creates, alters or drops. */
  target?: TableRef;
  /** The dataset of CREATE SCHEMA / DROP SCHEMA. */
  dataset?: DatasetRef;
  orReplace: boolean;
  ifNotExists: boolean;
  ifExists: boolean;
  cascade: boolean;
}

/** GoogleSQL's reserved keywords: never an alias, never a column name without backticks. */
const RESERVED = new Set(
  (
    "ALL AND ANY ARRAY AS ASC ASSERT_ROWS_MODIFIED AT BETWEEN BY CASE CAST COLLATE CONTAINS CREATE CROSS CUBE " +
    "CURRENT DEFAULT DEFINE DESC DISTINCT ELSE END ENUM ESCAPE EXCEPT EXCLUDE EXISTS EXTRACT FALSE FETCH FOLLOWING " +
    "FOR FROM FULL GROUP GROUPING GROUPS HASH HAVING IF IGNORE IN INNER INTERSECT INTERVAL INTO IS JOIN LATERAL " +
    "LEFT LIKE LIMIT LOOKUP MERGE NATURAL NEW NO NOT NULL NULLS OF ON OR ORDER OUTER OVER PARTITION PRECEDING " +
    "PROTO QUALIFY RANGE RECURSIVE RESPECT RIGHT ROLLUP ROWS SELECT SET SOME STRUCT TABLESAMPLE THEN TO TREAT " +
    "TRUE UNBOUNDED UNION UNNEST USING WHEN WHERE WINDOW WITH WITHIN"
  ).split(" "),
);

/** Reserved keywords that are also function names. */
const CALLABLE_KEYWORDS = new Set([
  "IF",
  "LEFT",
  "RIGHT",
  "ARRAY",
  "STRUCT",
  "CAST",
  "EXTRACT",
  "EXISTS",
  "GROUPING",
  "RANGE",
]);

/** Non-reserved words that still end a table reference rather than name its alias. */
const NOT_AN_ALIAS = new Set(["VALUES", "PIVOT", "UNPIVOT", "OPTIONS", "CLUSTER", "QUALIFY", "SYSTEM_TIME"]);

/** Keywords that end a SELECT list or a FROM clause at the same nesting level. */
const CLAUSE_END = new Set([
  "FROM",
  "WHERE",
  "GROUP",
  "HAVING",
  "QUALIFY",
  "WINDOW",
  "ORDER",
  "LIMIT",
  "UNION",
  "INTERSECT",
  "EXCEPT",
]);

const INTERVAL_PARTS = new Set([
  "YEAR",
  "QUARTER",
  "MONTH",
  "WEEK",
  "DAY",
  "HOUR",
  "MINUTE",
  "SECOND",
  "MILLISECOND",
  "MICROSECOND",
]);

const SCRIPTING = new Set([
  "DECLARE",
  "SET",
  "BEGIN",
  "IF",
  "LOOP",
  "WHILE",
  "REPEAT",
  "FOR",
  "CALL",
  "EXECUTE",
  "ASSERT",
  "RAISE",
  "RETURN",
  "BREAK",
  "LEAVE",
  "CONTINUE",
  "ITERATE",
  "COMMIT",
  "ROLLBACK",
  "EXPORT",
  "LOAD",
  "GRANT",
  "REVOKE",
]);

const NOW_KEYWORDS: Record<string, string> = {
  CURRENT_TIMESTAMP: "get_current_timestamp()",
  CURRENT_DATE: "CAST(timezone('UTC', get_current_timestamp()) AS DATE)",
  CURRENT_DATETIME: "timezone('UTC', get_current_timestamp())",
  CURRENT_TIME: "CAST(timezone('UTC', get_current_timestamp()) AS TIME)",
};

interface Range {
  start: number;
  end: number;
}

interface ParsedType {
  duck: string;
  /** Field names and DuckDB types, for STRUCT<...>(...) constructors. */
  fields?: Array<{ name: string; duck: string }>;
  next: number;
}

/** Translates one GoogleSQL statement. Throws {@link SqlError} for bad or unsupported SQL. */
export function translate(sql: string, options: TranslateOptions): Translation {
  return new Translator(sql, options).run();
}

class Translator {
  private readonly toks: Token[];
  private readonly close = new Map<number, number>();
  private readonly ctes = new Set<string>();
  private readonly params: BoundParameters;
  private positionalUsed = 0;
  /** Index of a `>>` whose first half closed an inner type. */
  private splitGreater = -1;
  private unnestCount = 0;
  private readonly result: Translation = {
    sql: "",
    statementType: "SELECT",
    reads: [],
    orReplace: false,
    ifNotExists: false,
    ifExists: false,
    cascade: false,
  };

  constructor(
    private readonly source: string,
    private readonly options: TranslateOptions,
  ) {
    this.toks = tokenize(source);
    this.params = bindParameters(options.queryParameters, options.parameterMode);
  }

  run(): Translation {
    let end = this.toks.length - 1; // the eof token
    while (end > 0 && this.isOp(end - 1, ";")) end--;
    if (end === 0) throw new SqlError("Syntax error: Unexpected end of statement");
    this.matchBrackets(end);
    for (let i = 0; i < end; i++) {
      if (this.isOp(i, ";"))
        throw unsupported("multi-statement queries (scripts); send one statement per job");
    }
    this.collectCtes(end);
    this.result.sql = this.statement(end).trim();
    return this.result;
  }

  // ---- token helpers ------------------------------------------------------------------------

  private tok(i: number): Token {
    return this.toks[Math.min(i, this.toks.length - 1)]!;
  }

  private isOp(i: number, op: string): boolean {
    const t = this.tok(i);
    return t.kind === "op" && t.value === op;
  }

  private isWord(i: number, ...words: string[]): boolean {
    const t = this.tok(i);
    return t.kind === "ident" && words.includes(t.upper);
  }

  private isName(i: number): boolean {
    const t = this.tok(i);
    return t.kind === "quoted" || (t.kind === "ident" && !RESERVED.has(t.upper));
  }

  private at(i: number): string {
    return positionOf(this.source, this.tok(i).offset);
  }

  private sp(i: number): string {
    return this.tok(i).spaceBefore ? " " : "";
  }

  private syntax(i: number, message?: string): SqlError {
    const t = this.tok(i);
    const what =
      t.kind === "eof" ? "end of statement" : t.kind === "ident" ? `keyword ${t.upper}` : `"${t.text}"`;
    return new SqlError(`Syntax error: ${message ?? `Unexpected ${what}`} at ${this.at(i)}`);
  }

  private expectWord(i: number, word: string): number {
    if (!this.isWord(i, word)) throw this.syntax(i, `Expected keyword ${word} but got ${this.describe(i)}`);
    return i + 1;
  }

  private describe(i: number): string {
    const t = this.tok(i);
    return t.kind === "eof" ? "end of statement" : `"${t.text}"`;
  }

  private matchBrackets(end: number): void {
    const stack: number[] = [];
    const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
    for (let i = 0; i < end; i++) {
      const t = this.toks[i]!;
      if (t.kind !== "op") continue;
      if (t.value === "(" || t.value === "[" || t.value === "{") stack.push(i);
      else if (t.value in pairs) {
        const open = stack.pop();
        if (open === undefined || this.toks[open]!.value !== pairs[t.value]) throw this.syntax(i);
        this.close.set(open, i);
      }
    }
    if (stack.length) {
      const open = stack.pop()!;
      throw new SqlError(`Syntax error: Unclosed "${this.toks[open]!.value}" opened at ${this.at(open)}`);
    }
  }

  private closing(open: number): number {
    const c = this.close.get(open);
    if (c === undefined) throw this.syntax(open);
    return c;
  }

  /** Skips one token, a whole bracketed group, or the `<...>` parameters of ARRAY and STRUCT types. */
  private skip(i: number): number {
    const t = this.tok(i);
    if (t.kind === "op" && (t.value === "(" || t.value === "[" || t.value === "{"))
      return this.closing(i) + 1;
    if (t.kind === "ident" && (t.upper === "ARRAY" || t.upper === "STRUCT") && this.isOp(i + 1, "<")) {
      let depth = 0;
      let j = i + 1;
      while (this.tok(j).kind !== "eof") {
        if (this.isOp(j, "<")) depth++;
        else if (this.isOp(j, ">")) depth--;
        else if (this.isOp(j, ">>")) depth -= 2;
        else if (this.isOp(j, "(")) j = this.closing(j);
        j++;
        if (depth <= 0) return j;
      }
      throw this.syntax(j, "Unclosed <");
    }
    return i + 1;
  }

  /** Top-level comma-separated ranges of [start, end). */
  private split(start: number, end: number): Range[] {
    const out: Range[] = [];
    if (start >= end) return out;
    let from = start;
    for (let i = start; i < end;) {
      if (this.isOp(i, ",")) {
        out.push({ start: from, end: i });
        from = i + 1;
        i++;
        continue;
      }
      i = this.skip(i);
    }
    out.push({ start: from, end });
    for (const r of out) if (r.start >= r.end) throw this.syntax(r.start);
    return out;
  }

  private collectCtes(end: number): void {
    for (let i = 0; i + 2 < end; i++) {
      const prev = i > 0 ? this.toks[i - 1]! : undefined;
      const afterWithOrComma =
        prev !== undefined &&
        ((prev.kind === "ident" && (prev.upper === "WITH" || prev.upper === "RECURSIVE")) ||
          (prev.kind === "op" && prev.value === ","));
      if (
        afterWithOrComma &&
        (this.toks[i]!.kind === "ident" || this.toks[i]!.kind === "quoted") &&
        this.isWord(i + 1, "AS") &&
        this.isOp(i + 2, "(")
      ) {
        this.ctes.add(this.toks[i]!.value.toLowerCase());
      }
    }
  }

  // ---- statements ---------------------------------------------------------------------------

  private statement(end: number): string {
    const first = this.tok(0);
    if (first.kind === "op" && first.value === "(") return this.seq(0, end);
    if (first.kind !== "ident") throw this.syntax(0);
    switch (first.upper) {
      case "SELECT":
      case "WITH":
        return this.seq(0, end);
      case "INSERT": {
        this.result.statementType = "INSERT";
        let i = 1;
        if (this.isWord(i, "INTO")) i++;
        const target = this.targetPath(i);
        return `INSERT INTO ${target.text}${this.seq(target.next, end)}`;
      }
      case "UPDATE": {
        this.result.statementType = "UPDATE";
        const target = this.targetPath(1, true);
        return `UPDATE ${target.text}${this.seq(target.next, end)}`;
      }
      case "DELETE": {
        this.result.statementType = "DELETE";
        let i = 1;
        if (this.isWord(i, "FROM")) i++;
        const target = this.targetPath(i, true);
        return `DELETE FROM ${target.text}${this.seq(target.next, end)}`;
      }
      case "MERGE": {
        this.result.statementType = "MERGE";
        let i = 1;
        if (this.isWord(i, "INTO")) i++;
        const target = this.targetPath(i, true);
        return `MERGE INTO ${target.text}${this.seq(target.next, end, { merge: true })}`;
      }
      case "TRUNCATE": {
        this.result.statementType = "TRUNCATE_TABLE";
        const i = this.expectWord(1, "TABLE");
        const target = this.targetPath(i);
        if (target.next !== end) throw this.syntax(target.next);
        return `TRUNCATE TABLE ${target.text}`;
      }
      case "CREATE":
        return this.create(end);
      case "DROP":
        return this.drop(end);
      case "ALTER":
        return this.alter(end);
      default:
        if (SCRIPTING.has(first.upper)) throw unsupported(`${first.upper} statements (scripting)`);
        throw this.syntax(0);
    }
  }

  private create(end: number): string {
    let i = 1;
    if (this.isWord(i, "OR")) {
      i = this.expectWord(i + 1, "REPLACE");
      this.result.orReplace = true;
    }
    if (this.isWord(i, "TEMP", "TEMPORARY")) throw unsupported("temporary tables (scripting)");
    const kind = this.tok(i).upper;
    if (kind === "SCHEMA") {
      this.result.statementType = "CREATE_SCHEMA";
      i = this.ifNotExists(i + 1);
      const path = this.readPath(i);
      this.result.dataset = this.resolveDataset(path.parts, i);
      this.skipOptions(path.next, end, []);
      return "";
    }
    if (kind === "VIEW") {
      this.result.statementType = "CREATE_VIEW";
      i = this.ifNotExists(i + 1);
      const target = this.targetPath(i);
      i = this.skipOptions(target.next, end, ["AS"]);
      i = this.expectWord(i, "AS");
      return `CREATE ${this.result.orReplace ? "OR REPLACE " : ""}VIEW ${this.result.ifNotExists ? "IF NOT EXISTS " : ""}${target.text} AS${this.seq(i, end)}`;
    }
    if (kind !== "TABLE") {
      if (this.tok(i).kind === "ident")
        throw unsupported(
          `CREATE ${kind}${this.isWord(i + 1, "VIEW", "TABLE", "FUNCTION") ? ` ${this.tok(i + 1).upper}` : ""}`,
        );
      throw this.syntax(i);
    }
    i = this.ifNotExists(i + 1);
    const target = this.targetPath(i);
    i = target.next;
    if (this.isWord(i, "LIKE", "COPY", "CLONE")) throw unsupported(`CREATE TABLE ... ${this.tok(i).upper}`);
    let columns = "";
    if (this.isOp(i, "(")) {
      const close = this.closing(i);
      columns = ` (${this.columnDefinitions(i + 1, close)})`;
      i = close + 1;
    }
    i = this.skipOptions(i, end, ["AS"]);
    const head = `CREATE ${this.result.orReplace ? "OR REPLACE " : ""}TABLE ${this.result.ifNotExists ? "IF NOT EXISTS " : ""}${target.text}`;
    if (this.isWord(i, "AS")) {
      this.result.statementType = "CREATE_TABLE_AS_SELECT";
      if (columns) throw unsupported("CREATE TABLE with both a column list and AS SELECT");
      return `${head} AS${this.seq(i + 1, end)}`;
    }
    if (i !== end) throw this.syntax(i);
    if (!columns) throw new SqlError("Syntax error: CREATE TABLE needs a column list or AS SELECT");
    this.result.statementType = "CREATE_TABLE";
    return `${head}${columns}`;
  }

  private ifNotExists(i: number): number {
    if (this.isWord(i, "IF")) {
      i = this.expectWord(i + 1, "NOT");
      i = this.expectWord(i, "EXISTS");
      this.result.ifNotExists = true;
    }
    return i;
  }

  private ifExists(i: number): number {
    if (this.isWord(i, "IF")) {
      i = this.expectWord(i + 1, "EXISTS");
      this.result.ifExists = true;
    }
    return i;
  }

  /** Skips PARTITION BY, CLUSTER BY, OPTIONS(...) and DEFAULT COLLATE clauses, which DuckDB has no use for. */
  private skipOptions(i: number, end: number, stopWords: string[]): number {
    const clauses = ["PARTITION", "CLUSTER", "OPTIONS", "DEFAULT"];
    while (i < end && this.isWord(i, ...clauses)) {
      i++;
      while (i < end && !this.isWord(i, ...clauses, ...stopWords)) i = this.skip(i);
    }
    if (i < end && !this.isWord(i, ...stopWords)) throw this.syntax(i);
    return i;
  }

  /** `name TYPE [NOT NULL] [DEFAULT expr] [OPTIONS(...)]`, comma separated. */
  private columnDefinitions(start: number, end: number): string {
    const defs: string[] = [];
    for (const r of this.split(start, end)) {
      if (this.isWord(r.start, "PRIMARY", "FOREIGN", "CONSTRAINT")) continue; // unenforced in BigQuery
      if (!this.isName(r.start)) throw this.syntax(r.start);
      const name = quoteIdent(this.tok(r.start).value);
      const type = this.parseType(r.start + 1);
      let def = `${name} ${type.duck}`;
      let i = type.next;
      while (i < r.end) {
        if (this.isWord(i, "NOT") && this.isWord(i + 1, "NULL")) {
          def += " NOT NULL";
          i += 2;
        } else if (this.isWord(i, "OPTIONS") && this.isOp(i + 1, "(")) {
          i = this.closing(i + 1) + 1;
        } else if (this.isWord(i, "DEFAULT")) {
          let j = i + 1;
          while (j < r.end && !this.isWord(j, "OPTIONS", "NOT")) j = this.skip(j);
          def += ` DEFAULT${this.seq(i + 1, j)}`;
          i = j;
        } else if (this.isWord(i, "COLLATE")) {
          i += 2;
        } else {
          throw this.syntax(i);
        }
      }
      defs.push(def);
    }
    return defs.join(", ");
  }

  private drop(end: number): string {
    const kind = this.tok(1).upper;
    if (kind === "SCHEMA") {
      this.result.statementType = "DROP_SCHEMA";
      const i = this.ifExists(2);
      const path = this.readPath(i);
      this.result.dataset = this.resolveDataset(path.parts, i);
      let j = path.next;
      if (this.isWord(j, "CASCADE")) {
        this.result.cascade = true;
        j++;
      } else if (this.isWord(j, "RESTRICT")) {
        j++;
      }
      if (j !== end) throw this.syntax(j);
      return "";
    }
    if (kind !== "TABLE" && kind !== "VIEW") {
      if (this.tok(1).kind === "ident") throw unsupported(`DROP ${kind}`);
      throw this.syntax(1);
    }
    this.result.statementType = kind === "TABLE" ? "DROP_TABLE" : "DROP_VIEW";
    const i = this.ifExists(2);
    const target = this.targetPath(i);
    if (target.next !== end) throw this.syntax(target.next);
    return `DROP ${kind} ${this.result.ifExists ? "IF EXISTS " : ""}${target.text}`;
  }

  private alter(end: number): string {
    if (!this.isWord(1, "TABLE")) {
      if (this.tok(1).kind === "ident") throw unsupported(`ALTER ${this.tok(1).upper}`);
      throw this.syntax(1);
    }
    this.result.statementType = "ALTER_TABLE";
    const i = this.ifExists(2);
    const target = this.targetPath(i);
    if (this.split(target.next, end).length > 1)
      throw unsupported("several ALTER TABLE actions in one statement");
    let out = `ALTER TABLE ${this.result.ifExists ? "IF EXISTS " : ""}${target.text}`;
    let j = target.next;
    while (j < end) {
      if (this.isWord(j, "SET") && this.isWord(j + 1, "OPTIONS"))
        throw unsupported("ALTER TABLE ... SET OPTIONS");
      if (this.isWord(j, "ADD") && this.isWord(j + 1, "COLUMN")) {
        out += " ADD COLUMN";
        j += 2;
        if (this.isWord(j, "IF")) {
          this.expectWord(j + 1, "NOT");
          this.expectWord(j + 2, "EXISTS");
          out += " IF NOT EXISTS";
          j += 3;
        }
        if (!this.isName(j)) throw this.syntax(j);
        const type = this.parseType(j + 1);
        out += ` ${quoteIdent(this.tok(j).value)} ${type.duck}`;
        j = type.next;
        continue;
      }
      if (this.isWord(j, "SET") && this.isWord(j + 1, "DATA") && this.isWord(j + 2, "TYPE")) {
        const type = this.parseType(j + 3);
        out += ` SET DATA TYPE ${type.duck}`;
        j = type.next;
        continue;
      }
      const t = this.tok(j);
      out += this.sp(j) + (t.kind === "quoted" ? quoteIdent(t.value) : t.text);
      j++;
    }
    return out;
  }

  // ---- names --------------------------------------------------------------------------------

  /** A dotted path: `a.b.c`, `` `a.b.c` ``, `` `a`.b ``, and unquoted project ids with dashes. */
  private readPath(i: number): { parts: string[]; next: number } {
    const parts: string[] = [];
    const pushPart = (t: Token) => {
      if (t.kind === "quoted") parts.push(...t.value.split("."));
      else parts.push(t.value);
    };
    const t = this.tok(i);
    if (t.kind !== "quoted" && t.kind !== "ident") throw this.syntax(i);
    let j = i;
    if (t.kind === "ident") {
      // `my-project.dataset.table`: GoogleSQL allows dashes in an unquoted leading project id.
      let name = t.value;
      j = i + 1;
      while (
        this.isOp(j, "-") &&
        !this.tok(j).spaceBefore &&
        !this.tok(j + 1).spaceBefore &&
        (this.tok(j + 1).kind === "ident" || this.tok(j + 1).kind === "number")
      ) {
        name += `-${this.tok(j + 1).value}`;
        j += 2;
      }
      parts.push(name);
    } else {
      pushPart(t);
      j = i + 1;
    }
    while (
      this.isOp(j, ".") &&
      (this.tok(j + 1).kind === "ident" ||
        this.tok(j + 1).kind === "quoted" ||
        this.tok(j + 1).kind === "number")
    ) {
      pushPart(this.tok(j + 1));
      j += 2;
    }
    if (parts.some((p) => p === ""))
      throw new SqlError(`Invalid table name ${parts.join(".")} at ${this.at(i)}`);
    if (this.isOp(j, "*") && !this.tok(j).spaceBefore) throw unsupported("wildcard tables");
    return { parts, next: j };
  }

  private resolveTable(parts: string[], i: number): TableRef {
    if (parts.some((p) => p.toUpperCase() === "INFORMATION_SCHEMA"))
      throw unsupported("INFORMATION_SCHEMA views");
    if (parts[parts.length - 1]!.endsWith("*")) throw unsupported("wildcard tables");
    if (parts.length === 1) {
      const dd = this.options.defaultDataset;
      if (!dd) {
        throw new SqlError(
          `Table name "${parts[0]}" missing dataset while no default dataset is set in the request.`,
        );
      }
      return {
        projectId: dd.projectId ?? this.options.projectId,
        datasetId: dd.datasetId,
        tableId: parts[0]!,
      };
    }
    if (parts.length === 2)
      return { projectId: this.options.projectId, datasetId: parts[0]!, tableId: parts[1]! };
    if (parts.length === 3) return { projectId: parts[0]!, datasetId: parts[1]!, tableId: parts[2]! };
    throw new SqlError(`Invalid table name ${parts.join(".")} at ${this.at(i)}`);
  }

  private resolveDataset(parts: string[], i: number): DatasetRef {
    if (parts.length === 1) return { projectId: this.options.projectId, datasetId: parts[0]! };
    if (parts.length === 2) return { projectId: parts[0]!, datasetId: parts[1]! };
    throw new SqlError(`Invalid dataset name ${parts.join(".")} at ${this.at(i)}`);
  }

  /** The table a DML or DDL statement acts on, with an optional alias for UPDATE/DELETE/MERGE. */
  private targetPath(i: number, allowAlias = false): { text: string; next: number } {
    const path = this.readPath(i);
    const ref = this.resolveTable(path.parts, i);
    this.result.target = ref;
    let text = qualifiedTable(ref);
    let j = path.next;
    if (allowAlias) {
      const alias = this.alias(j);
      text += alias.text;
      j = alias.next;
    }
    return { text, next: j };
  }

  private alias(j: number): { text: string; name?: string; next: number } {
    if (this.isWord(j, "AS")) {
      if (!this.isName(j + 1)) throw this.syntax(j + 1);
      return { text: ` AS ${quoteIdent(this.tok(j + 1).value)}`, name: this.tok(j + 1).value, next: j + 2 };
    }
    if (this.isName(j) && !NOT_AN_ALIAS.has(this.tok(j).upper)) {
      return { text: ` AS ${quoteIdent(this.tok(j).value)}`, name: this.tok(j).value, next: j + 1 };
    }
    return { text: "", next: j };
  }

  // ---- clauses and expressions ---------------------------------------------------------------

  /**
   * Translates tokens [start, end) at one nesting level, tracking just enough clause state to know
   * where table references are.
   */
  private seq(start: number, end: number, ctx: { merge?: boolean } = {}): string {
    let out = "";
    let inFrom = false;
    let expectTable = false;
    const aliases = new Set<string>();
    let i = start;
    while (i < end) {
      const t = this.tok(i);
      if (expectTable) {
        expectTable = false;
        const item = this.fromItem(i, end, aliases);
        out += item.text;
        i = item.next;
        continue;
      }
      if (t.kind === "ident") {
        const prev = i > 0 ? this.tok(i - 1) : undefined;
        if (t.upper === "SELECT") {
          const list = this.selectList(i, end);
          out += list.text;
          i = list.next;
          inFrom = false;
          continue;
        }
        if (t.upper === "FROM" && !(prev?.kind === "ident" && prev.upper === "DISTINCT")) {
          out += this.sp(i) + t.text;
          inFrom = true;
          expectTable = true;
          i++;
          continue;
        }
        if (t.upper === "JOIN" && inFrom) {
          out += this.sp(i) + t.text;
          expectTable = true;
          i++;
          continue;
        }
        if (t.upper === "USING" && ctx.merge && !this.isOp(i + 1, "(")) {
          out += this.sp(i) + t.text;
          expectTable = true;
          i++;
          continue;
        }
        if (CLAUSE_END.has(t.upper) && !(t.upper === "EXCEPT" && prev?.kind === "op" && prev.value === "*"))
          inFrom = false;
        if (t.upper === "ON" || t.upper === "WHEN") inFrom = inFrom && t.upper === "ON";
      }
      if (inFrom && this.isOp(i, ",")) {
        out += ",";
        expectTable = true;
        i++;
        continue;
      }
      const unit = this.unit(i, end);
      out += unit.text;
      i = unit.next;
    }
    if (expectTable) throw this.syntax(end, "Expected a table name");
    return out;
  }

  /** One item of a FROM clause: a table, a subquery, or UNNEST(...), with its alias. */
  private fromItem(i: number, end: number, aliases: Set<string>): { text: string; next: number } {
    const sp = this.sp(i);
    const t = this.tok(i);
    let text: string;
    let j: number;
    let implicitAlias: string | undefined;
    if (this.isOp(i, "(")) {
      const close = this.closing(i);
      text = `${sp}(${this.seq(i + 1, close)})`;
      j = close + 1;
    } else if (this.isWord(i, "UNNEST") && this.isOp(i + 1, "(")) {
      return this.unnestItem(i, end, aliases);
    } else if (t.kind === "ident" || t.kind === "quoted") {
      const path = this.readPath(i);
      j = path.next;
      if (this.isOp(j, "(")) throw unsupported(`table-valued functions (${path.parts.join(".")})`);
      if (path.parts.length >= 2 && aliases.has(path.parts[0]!.toLowerCase())) {
        // `FROM t, t.array_column AS x` is an implicit UNNEST of a column of an earlier table.
        return this.unnestItem(i, end, aliases, path.parts.map(quoteIdent).join("."), j);
      }
      if (path.parts.length === 1 && this.ctes.has(path.parts[0]!.toLowerCase())) {
        text = `${sp}${quoteIdent(path.parts[0]!)}`;
      } else {
        const ref = this.resolveTable(path.parts, i);
        this.result.reads.push(ref);
        text = `${sp}${qualifiedTable(ref)}`;
      }
      implicitAlias = path.parts[path.parts.length - 1];
    } else {
      throw this.syntax(i, `Expected a table name but got ${this.describe(i)}`);
    }
    if (this.isWord(j, "FOR") && this.isWord(j + 1, "SYSTEM_TIME"))
      throw unsupported("FOR SYSTEM_TIME AS OF (time travel)");
    if (this.isWord(j, "TABLESAMPLE")) throw unsupported("TABLESAMPLE");
    if (this.isWord(j, "PIVOT", "UNPIVOT") && this.isOp(j + 1, "(")) throw unsupported(this.tok(j).upper);
    const alias = this.alias(j);
    if (alias.name) aliases.add(alias.name.toLowerCase());
    else if (implicitAlias) aliases.add(implicitAlias.toLowerCase());
    if (this.isWord(alias.next, "PIVOT", "UNPIVOT") && this.isOp(alias.next + 1, "("))
      throw unsupported(this.tok(alias.next).upper);
    return { text: text + alias.text, next: alias.next };
  }

  /**
   * `UNNEST(array) [AS] x [WITH OFFSET [AS] o]`. DuckDB names the element column of an aliased UNNEST
   * after the function, so the alias is given to the column too; WITH OFFSET becomes a lateral
   * subquery that unnests the array and its 0-based positions side by side.
   */
  private unnestItem(
    i: number,
    end: number,
    aliases: Set<string>,
    pathExpr?: string,
    pathEnd?: number,
  ): { text: string; next: number } {
    const sp = this.sp(i);
    let array: string;
    let j: number;
    if (pathExpr !== undefined) {
      array = pathExpr;
      j = pathEnd!;
    } else {
      const close = this.closing(i + 1);
      array = this.seq(i + 2, close).trim();
      j = close + 1;
    }
    const alias = this.alias(j);
    j = alias.next;
    let offsetName: string | undefined;
    if (this.isWord(j, "WITH") && this.isWord(j + 1, "OFFSET")) {
      j += 2;
      const offsetAlias = this.alias(j);
      offsetName = offsetAlias.name ?? "offset";
      j = offsetAlias.next;
    }
    if (
      j < end &&
      !this.isOp(j, ",") &&
      !this.isWord(
        j,
        "JOIN",
        "LEFT",
        "RIGHT",
        "INNER",
        "CROSS",
        "FULL",
        "ON",
        "USING",
        "WHERE",
        "GROUP",
        "HAVING",
        "QUALIFY",
        "WINDOW",
        "ORDER",
        "LIMIT",
        "UNION",
        "INTERSECT",
        "EXCEPT",
      ) &&
      !this.isOp(j, ")")
    ) {
      throw this.syntax(j);
    }
    const name = alias.name ?? "f0_";
    if (alias.name) aliases.add(alias.name.toLowerCase());
    const table = `__unnest${++this.unnestCount}`;
    if (offsetName === undefined) {
      return {
        text: `${sp}UNNEST(${array}) AS ${alias.name ? quoteIdent(name) : table}(${quoteIdent(name)})`,
        next: j,
      };
    }
    return {
      text: `${sp}(SELECT UNNEST(${array}) AS ${quoteIdent(name)}, UNNEST(range(len(${array}))) AS ${quoteIdent(offsetName)}) AS ${table}`,
      next: j,
    };
  }

  /** `SELECT [DISTINCT|ALL] item, ...`: unnamed items get BigQuery's `f0_`, `f1_`, ... names. */
  private selectList(i: number, end: number): { text: string; next: number } {
    let out = this.sp(i) + this.tok(i).text;
    let j = i + 1;
    if (this.isWord(j, "AS") && this.isWord(j + 1, "STRUCT", "VALUE"))
      throw unsupported(`SELECT AS ${this.tok(j + 1).upper}`);
    if (this.isWord(j, "DISTINCT", "ALL")) {
      out += this.sp(j) + this.tok(j).text;
      j++;
    }
    let k = j;
    while (k < end) {
      const t = this.tok(k);
      const prev = this.tok(k - 1);
      if (t.kind === "ident" && CLAUSE_END.has(t.upper)) {
        const afterStar = prev.kind === "op" && prev.value === "*";
        const distinctFrom = t.upper === "FROM" && prev.kind === "ident" && prev.upper === "DISTINCT";
        if (!(t.upper === "EXCEPT" && afterStar) && !distinctFrom) break;
      }
      k = this.skip(k);
    }
    if (k === j) throw this.syntax(j, "SELECT list must not be empty");
    let anonymous = 0;
    const items = this.split(j, k).map((r) => {
      const text = this.seq(r.start, r.end);
      return this.isNamedItem(r) ? text : `${text} AS ${quoteIdent(`f${anonymous++}_`)}`;
    });
    return { text: out + items.join(","), next: k };
  }

  private isNamedItem(r: Range): boolean {
    const last = r.end - 1;
    const lastTok = this.tok(last);
    if (this.isOp(last, "*")) return true;
    if (lastTok.kind === "op" && lastTok.value === ")") {
      // `* EXCEPT (...)` and `* REPLACE (...)`
      let k = r.start;
      while (k < r.end && !this.isOp(k, "*")) k = this.skip(k);
      if (k < r.end && this.isWord(k + 1, "EXCEPT", "REPLACE")) return true;
    }
    if (lastTok.kind === "quoted" || (lastTok.kind === "ident" && !RESERVED.has(lastTok.upper))) {
      if (last > r.start && this.isWord(last - 1, "AS")) return true;
      // A path such as `t.col` or `s.field` is named after its last part.
      let path = true;
      for (let k = r.start; k <= last; k++) {
        const even = (k - r.start) % 2 === 0;
        const t = this.tok(k);
        if (
          even
            ? !(
                t.kind === "quoted" ||
                (t.kind === "ident" && !RESERVED.has(t.upper) && !(t.upper in NOW_KEYWORDS))
              )
            : !this.isOp(k, ".")
        ) {
          path = false;
          break;
        }
      }
      if (path) return true;
      // An implicit alias: `COUNT(*) n`, `x y`.
      if (last > r.start && lastTok.kind === "ident") {
        const prev = this.tok(last - 1);
        const endsExpr =
          prev.kind === "quoted" ||
          prev.kind === "number" ||
          prev.kind === "string" ||
          prev.kind === "bytes" ||
          prev.kind === "param" ||
          prev.kind === "positional" ||
          (prev.kind === "op" && (prev.value === ")" || prev.value === "]")) ||
          (prev.kind === "ident" &&
            (!RESERVED.has(prev.upper) || ["END", "NULL", "TRUE", "FALSE"].includes(prev.upper)));
        const intervalPart = INTERVAL_PARTS.has(lastTok.upper) && this.someWord(r, "INTERVAL");
        return endsExpr && !intervalPart;
      }
      if (last > r.start && lastTok.kind === "quoted") return true;
    }
    return false;
  }

  private someWord(r: Range, word: string): boolean {
    for (let k = r.start; k < r.end; k++) if (this.isWord(k, word)) return true;
    return false;
  }

  /** One expression unit: a token, or a construct that starts at it (call, literal, subscript, ...). */
  private unit(i: number, end: number): { text: string; next: number } {
    const t = this.tok(i);
    const sp = this.sp(i);
    switch (t.kind) {
      case "string":
        return { text: sp + sqlString(t.value), next: i + 1 };
      case "bytes":
        return { text: `${sp}from_hex('${bytesLiteralValue(t.value).toString("hex")}')`, next: i + 1 };
      case "number":
        // GoogleSQL's 1.5 is a FLOAT64; DuckDB would make it a DECIMAL.
        return { text: sp + (/[.eE]/.test(t.value) ? `CAST(${t.value} AS DOUBLE)` : t.value), next: i + 1 };
      case "quoted":
        return { text: sp + quoteIdent(t.value), next: i + 1 };
      case "param":
        return { text: sp + this.namedParameter(i), next: i + 1 };
      case "positional":
        return { text: sp + this.positionalParameter(i), next: i + 1 };
      case "sysvar":
        throw unsupported(`system variables (@@${t.value})`);
      case "op":
        return this.operator(i);
      case "ident":
        return this.word(i, end);
      default:
        throw this.syntax(i);
    }
  }

  private operator(i: number): { text: string; next: number } {
    const t = this.tok(i);
    const sp = this.sp(i);
    switch (t.value) {
      case "(": {
        const close = this.closing(i);
        return { text: `${sp}(${this.seq(i + 1, close)})`, next: close + 1 };
      }
      case "[": {
        const close = this.closing(i);
        const prev = i > 0 ? this.tok(i - 1) : undefined;
        const subscript =
          prev !== undefined &&
          (prev.kind === "quoted" ||
            (prev.kind === "ident" && !RESERVED.has(prev.upper)) ||
            (prev.kind === "op" && (prev.value === ")" || prev.value === "]")));
        if (!subscript) return { text: `${sp}[${this.seq(i + 1, close)}]`, next: close + 1 };
        return { text: this.subscript(i + 1, close), next: close + 1 };
      }
      case "{":
        throw this.syntax(i);
      case "*": {
        if (this.isWord(i + 1, "EXCEPT") && this.isOp(i + 2, "(")) {
          const close = this.closing(i + 2);
          const names = this.split(i + 3, close).map((r) => {
            if (r.end !== r.start + 1 || !this.isName(r.start)) throw this.syntax(r.start);
            return quoteIdent(this.tok(r.start).value);
          });
          return { text: `${sp}* EXCLUDE (${names.join(", ")})`, next: close + 1 };
        }
        if (this.isWord(i + 1, "REPLACE") && this.isOp(i + 2, "(")) {
          const close = this.closing(i + 2);
          return { text: `${sp}* REPLACE (${this.seq(i + 3, close)})`, next: close + 1 };
        }
        return { text: `${sp}*`, next: i + 1 };
      }
      case "^":
        throw unsupported("the ^ (bitwise XOR) operator");
      default:
        return { text: sp + t.value, next: i + 1 };
    }
  }

  /** `a[OFFSET(i)]`, `a[ORDINAL(i)]`, `a[SAFE_OFFSET(i)]`, `a[i]`; DuckDB lists are 1-based. */
  private subscript(start: number, end: number): string {
    if (
      this.isWord(start, "OFFSET", "SAFE_OFFSET", "ORDINAL", "SAFE_ORDINAL") &&
      this.isOp(start + 1, "(") &&
      this.closing(start + 1) === end - 1
    ) {
      const index = this.seq(start + 2, end - 1).trim();
      return this.tok(start).upper.endsWith("ORDINAL") ? `[${index}]` : `[(${index}) + 1]`;
    }
    if (end === start + 1 && this.tok(start).kind === "string")
      return `[${sqlString(this.tok(start).value)}]`;
    return `[(${this.seq(start, end).trim()}) + 1]`;
  }

  private word(i: number, end: number): { text: string; next: number } {
    const t = this.tok(i);
    const sp = this.sp(i);
    const next = this.tok(i + 1);
    const prev = i > 0 ? this.tok(i - 1) : undefined;
    const afterDot = prev?.kind === "op" && prev.value === ".";
    if (afterDot) return { text: sp + t.text, next: i + 1 };
    if (
      next.kind === "op" &&
      next.value === "." &&
      this.tok(i + 2).kind === "ident" &&
      this.isOp(i + 3, "(")
    ) {
      if (t.upper === "SAFE") throw unsupported(`the SAFE. prefix (SAFE.${this.tok(i + 2).upper})`);
      throw unsupported(
        `qualified function ${t.value}.${this.tok(i + 2).value} (user-defined, ML, NET and KEYS functions)`,
      );
    }
    if (next.kind === "op" && next.value === "(") {
      // Keywords before a parenthesis (`IN (`, `OVER (`, `VALUES (`) are not calls.
      if ((RESERVED.has(t.upper) && !CALLABLE_KEYWORDS.has(t.upper)) || t.upper === "VALUES")
        return { text: sp + t.text, next: i + 1 };
      return this.call(i);
    }
    if (next.kind === "string") {
      const literal = this.typedLiteral(t.upper, next.value, i + 1);
      if (literal !== undefined) return { text: sp + literal, next: i + 2 };
    }
    switch (t.upper) {
      case "INTERVAL":
        return this.interval(i, end);
      case "ARRAY":
        if (this.isOp(i + 1, "<")) {
          const type = this.parseType(i);
          if (!this.isOp(type.next, "[")) throw this.syntax(type.next, "Expected [ after ARRAY<...>");
          const close = this.closing(type.next);
          return { text: `${sp}CAST([${this.seq(type.next + 1, close)}] AS ${type.duck})`, next: close + 1 };
        }
        if (this.isOp(i + 1, "[")) {
          const close = this.closing(i + 1);
          return { text: `${sp}[${this.seq(i + 2, close)}]`, next: close + 1 };
        }
        break;
      case "STRUCT":
        if (this.isOp(i + 1, "<")) {
          const type = this.parseType(i);
          if (!this.isOp(type.next, "(")) throw this.syntax(type.next, "Expected ( after STRUCT<...>");
          const close = this.closing(type.next);
          const args = this.split(type.next + 1, close);
          const fields = type.fields ?? [];
          if (args.length !== fields.length)
            throw new SqlError(
              `STRUCT type has ${fields.length} fields but the constructor has ${args.length} values at ${this.at(i)}`,
            );
          const entries = args.map(
            (r, k) =>
              `${sqlString(fields[k]!.name)}: CAST(${this.seq(r.start, r.end).trim()} AS ${fields[k]!.duck})`,
          );
          return { text: `${sp}{${entries.join(", ")}}`, next: close + 1 };
        }
        break;
      case "IN":
        if (this.isWord(i + 1, "UNNEST") && this.isOp(i + 2, "(")) {
          const close = this.closing(i + 2);
          return { text: `${sp}IN (SELECT UNNEST(${this.seq(i + 3, close).trim()}))`, next: close + 1 };
        }
        break;
      case "FOR":
        if (this.isWord(i + 1, "SYSTEM_TIME")) throw unsupported("FOR SYSTEM_TIME AS OF (time travel)");
        break;
      case "TABLESAMPLE":
        throw unsupported("TABLESAMPLE");
      case "RANGE":
        if (this.isOp(i + 1, "<")) throw unsupported("RANGE values");
        break;
    }
    if (t.upper in NOW_KEYWORDS) return { text: sp + NOW_KEYWORDS[t.upper], next: i + 1 };
    return { text: sp + t.text, next: i + 1 };
  }

  /** `DATE '...'`, `TIMESTAMP '...'`, `NUMERIC '...'`, ...; undefined when the word is no type prefix. */
  private typedLiteral(word: string, value: string, at: number): string | undefined {
    switch (word) {
      case "DATE":
      case "TIME":
        return `${word} ${sqlString(value)}`;
      case "DATETIME":
        return `CAST(${sqlString(value.replace("T", " "))} AS TIMESTAMP)`;
      case "TIMESTAMP":
        try {
          return toSqlLiteral(value, { name: "TIMESTAMP" }, "literal");
        } catch {
          // Named time zones (`2024-01-01 10:00 America/Chicago`) are left to DuckDB's parser.
          return `CAST(${sqlString(value)} AS TIMESTAMPTZ)`;
        }
      case "NUMERIC":
      case "DECIMAL":
      case "BIGNUMERIC":
      case "BIGDECIMAL":
        if (!/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value))
          throw new SqlError(`Invalid ${word} literal: ${value} at ${this.at(at)}`);
        return `CAST(${sqlString(value.trim())} AS ${NUMERIC_DUCK_TYPE})`;
      case "JSON":
        return `CAST(${sqlString(value)} AS JSON)`;
      case "RANGE":
        throw unsupported("RANGE values");
      default:
        return undefined;
    }
  }

  /** `INTERVAL expr PART`: DuckDB needs a non-literal amount in parentheses. */
  private interval(i: number, end: number): { text: string; next: number } {
    const sp = this.sp(i);
    if (this.tok(i + 1).kind === "string") {
      if (!this.isWord(i + 2, ...INTERVAL_PARTS))
        throw this.syntax(i + 2, "Expected a date part after the INTERVAL value");
      if (this.isWord(i + 3, "TO")) throw unsupported("INTERVAL ... TO ... ranges");
      return {
        text: `${sp}INTERVAL ${sqlString(this.tok(i + 1).value)} ${this.tok(i + 2).upper}`,
        next: i + 3,
      };
    }
    let j = i + 1;
    while (j < end && !this.isWord(j, ...INTERVAL_PARTS)) j = this.skip(j);
    if (j >= end || j === i + 1) throw this.syntax(j, "Expected INTERVAL <value> <date part>");
    if (this.isWord(j + 1, "TO")) throw unsupported("INTERVAL ... TO ... ranges");
    return { text: `${sp}INTERVAL (${this.seq(i + 1, j).trim()}) ${this.tok(j).upper}`, next: j + 1 };
  }

  private call(i: number): { text: string; next: number } {
    const t = this.tok(i);
    const sp = this.sp(i);
    const open = i + 1;
    const close = this.closing(open);
    const next = close + 1;
    switch (t.upper) {
      case "CAST":
      case "SAFE_CAST": {
        let as = open + 1;
        while (as < close && !this.isWord(as, "AS")) as = this.skip(as);
        if (as >= close || as === open + 1) throw this.syntax(as, `Expected ${t.upper}(expression AS type)`);
        const type = this.parseType(as + 1);
        if (this.isWord(type.next, "FORMAT")) throw unsupported(`${t.upper} ... FORMAT`);
        if (type.next !== close) throw this.syntax(type.next);
        const fn = t.upper === "SAFE_CAST" ? "TRY_CAST" : "CAST";
        return { text: `${sp}${fn}(${this.seq(open + 1, as).trim()} AS ${type.duck})`, next };
      }
      case "EXTRACT": {
        let from = open + 1;
        while (from < close && !this.isWord(from, "FROM")) from = this.skip(from);
        if (from >= close) throw this.syntax(from, "Expected EXTRACT(part FROM expression)");
        const part = this.keywordOf(open + 1, from);
        if (!part) throw this.syntax(open + 1, "Expected a date part in EXTRACT");
        let valueEnd = close;
        for (let k = from + 1; k < close; k = this.skip(k)) {
          if (this.isWord(k, "AT")) {
            valueEnd = k;
            break;
          }
        }
        if (valueEnd !== close) throw unsupported("EXTRACT ... AT TIME ZONE");
        return { text: sp + extractPart(part, this.seq(from + 1, valueEnd).trim()), next };
      }
      case "STRUCT": {
        const args = this.split(open + 1, close);
        if (args.length === 0) throw unsupported("empty STRUCT()");
        const entries = args.map((r, k) => {
          let valueEnd = r.end;
          let name: string | undefined;
          if (r.end - r.start >= 3 && this.isWord(r.end - 2, "AS") && this.isName(r.end - 1)) {
            name = this.tok(r.end - 1).value;
            valueEnd = r.end - 2;
          } else {
            const last = this.tok(r.end - 1);
            const isPath =
              (r.end - r.start) % 2 === 1 &&
              [...Array(r.end - r.start).keys()].every((d) =>
                d % 2 === 0 ? this.isName(r.start + d) : this.isOp(r.start + d, "."),
              );
            if (isPath) name = last.value;
          }
          return `${sqlString(name ?? `_field_${k + 1}`)}: ${this.seq(r.start, valueEnd).trim()}`;
        });
        return { text: `${sp}{${entries.join(", ")}}`, next };
      }
      case "ARRAY":
        return { text: `${sp}ARRAY(${this.seq(open + 1, close)})`, next };
    }
    const rewrite = FUNCTION_REWRITES[t.upper];
    if (!rewrite) return { text: `${sp}${t.text}(${this.seq(open + 1, close)})`, next };
    const ranges = this.split(open + 1, close);
    const call: FunctionCall = {
      name: t.upper,
      args: ranges.map((r) => this.seq(r.start, r.end).trim()),
      keyword: (k) => (ranges[k] ? this.keywordOf(ranges[k]!.start, ranges[k]!.end) : undefined),
      stringLiteral: (k) => {
        const r = ranges[k];
        return r && r.end === r.start + 1 && this.tok(r.start).kind === "string"
          ? this.tok(r.start).value
          : undefined;
      },
    };
    return { text: sp + rewrite(call), next };
  }

  /** A bare keyword argument (`MONTH`, `WEEK(MONDAY)`), upper-cased, or undefined. */
  private keywordOf(start: number, end: number): string | undefined {
    if (this.tok(start).kind !== "ident") return undefined;
    if (end === start + 1) return this.tok(start).upper;
    if (
      end === start + 4 &&
      this.isOp(start + 1, "(") &&
      this.tok(start + 2).kind === "ident" &&
      this.isOp(start + 3, ")")
    ) {
      return `${this.tok(start).upper}(${this.tok(start + 2).upper})`;
    }
    return undefined;
  }

  // ---- types --------------------------------------------------------------------------------

  /** A GoogleSQL type at token i, as the DuckDB type that stores it. */
  private parseType(i: number): ParsedType {
    const t = this.tok(i);
    if (t.kind !== "ident") throw this.syntax(i, `Expected a type but got ${this.describe(i)}`);
    const name = normalizeTypeName(t.upper);
    if (!name) throw new SqlError(`Syntax error: unknown type ${t.value} at ${this.at(i)}`);
    if (name === "ARRAY") {
      if (!this.isOp(i + 1, "<")) throw this.syntax(i + 1, "Expected < after ARRAY");
      const element = this.parseType(i + 2);
      if (element.duck.endsWith("[]"))
        throw new SqlError(`Arrays of arrays are not supported at ${this.at(i)}`);
      return { duck: `${element.duck}[]`, next: this.closeAngle(element.next) };
    }
    if (name === "STRUCT") {
      if (!this.isOp(i + 1, "<")) throw this.syntax(i + 1, "Expected < after STRUCT");
      const fields: Array<{ name: string; duck: string }> = [];
      let j = i + 2;
      for (;;) {
        // `name TYPE` or just `TYPE` (an anonymous field).
        let fieldName: string | undefined;
        if (
          (this.tok(j).kind === "quoted" || this.tok(j).kind === "ident") &&
          this.tok(j + 1).kind === "ident"
        ) {
          fieldName = this.tok(j).value;
          j++;
        }
        const type = this.parseType(j);
        fields.push({ name: fieldName ?? `_field_${fields.length + 1}`, duck: type.duck });
        j = type.next;
        if (this.isOp(j, ",")) {
          j++;
          continue;
        }
        break;
      }
      const duck = `STRUCT(${fields.map((f) => `${quoteIdent(f.name)} ${f.duck}`).join(", ")})`;
      return { duck, fields, next: this.closeAngle(j) };
    }
    let j = i + 1;
    let duck: string;
    switch (name) {
      case "INT64":
        duck = "BIGINT";
        break;
      case "FLOAT64":
        duck = "DOUBLE";
        break;
      case "NUMERIC":
      case "BIGNUMERIC":
        duck = NUMERIC_DUCK_TYPE;
        if (this.isOp(j, "(")) {
          const close = this.closing(j);
          const nums = this.split(j + 1, close).map((r) => Number(this.tok(r.start).value));
          const [precision, scale = 0] = nums;
          if (precision !== undefined && precision <= 38 && scale <= precision)
            duck = `DECIMAL(${precision},${scale})`;
          j = close + 1;
        }
        break;
      case "STRING":
      case "GEOGRAPHY":
        duck = "VARCHAR";
        break;
      case "BYTES":
        duck = "BLOB";
        break;
      case "BOOL":
        duck = "BOOLEAN";
        break;
      case "DATETIME":
        duck = "TIMESTAMP";
        break;
      case "TIMESTAMP":
        duck = "TIMESTAMPTZ";
        break;
      default:
        duck = name;
    }
    if ((name === "STRING" || name === "BYTES") && this.isOp(j, "(")) j = this.closing(j) + 1; // STRING(10): length is not enforced
    return { duck, next: j };
  }

  /** Consumes a `>`, or half of a `>>` that closes two nested types at once. */
  private closeAngle(j: number): number {
    if (this.isOp(j, ">")) return j + 1;
    if (this.isOp(j, ">>")) {
      if (this.splitGreater === j) {
        this.splitGreater = -1;
        return j + 1;
      }
      this.splitGreater = j;
      return j;
    }
    throw this.syntax(j, `Expected > but got ${this.describe(j)}`);
  }

  // ---- parameters ---------------------------------------------------------------------------

  private namedParameter(i: number): string {
    const name = this.tok(i).value;
    if (this.params.mode === "POSITIONAL") {
      throw new SqlError(
        `Named parameter @${name} cannot be used with positional parameters at ${this.at(i)}`,
      );
    }
    const literal = this.params.named.get(name.toLowerCase());
    if (literal === undefined) throw new SqlError(`Query parameter '${name}' not found at ${this.at(i)}`);
    return literal;
  }

  private positionalParameter(i: number): string {
    if (this.params.mode === "NAMED") {
      throw new SqlError(`Positional parameters are not supported with named parameters at ${this.at(i)}`);
    }
    const literal = this.params.positional[this.positionalUsed];
    if (literal === undefined) {
      throw new SqlError(
        `Query has more positional parameters than the ${this.params.positional.length} given at ${this.at(i)}`,
      );
    }
    this.positionalUsed++;
    return literal;
  }
}
