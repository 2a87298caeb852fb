/**
 * A GoogleSQL lexer. The translator works on its tokens, so string literals, quoted identifiers and
 * comments are recognised once and never rewritten by accident.
 */
import { SqlError } from "./sql-error";

export type TokenKind =
  | "ident" // unquoted identifier or keyword
  | "quoted" // `backtick quoted` identifier or path
  | "string" // string literal, value decoded
  | "bytes" // bytes literal, value holds the bytes as latin1 characters
  | "number"
  | "param" // @name
  | "positional" // ?
  | "sysvar" // @@name
  | "op"
  | "eof";

export interface Token {
  kind: TokenKind;
  /** Source text of the token. */
  text: string;
  /** Identifier name, decoded string value, parameter name, or operator text. */
  value: string;
  /** Upper-cased value, for keyword comparisons on identifiers. */
  upper: string;
  /** Whether whitespace or a comment came before the token. */
  spaceBefore: boolean;
  /** Offset in the source. */
  offset: number;
}

const MULTI_CHAR_OPS = ["<=", ">=", "<>", "!=", "||", "<<", ">>", "=>", "->"];
const SINGLE_CHAR_OPS = new Set("()[]{},.;*+-/%<>=!&|^~:".split(""));

function isIdentStart(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
}
function isIdentPart(c: string): boolean {
  return isIdentStart(c) || isDigit(c);
}
function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

/** `[line:column]`, 1-based, as BigQuery prints positions in its messages. */
export function positionOf(sql: string, offset: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < offset && i < sql.length; i++) {
    if (sql[i] === "\n") {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  return `[${line}:${col}]`;
}

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let space = false;
  const push = (kind: TokenKind, start: number, value: string) => {
    const text = sql.slice(start, i);
    tokens.push({ kind, text, value, upper: value.toUpperCase(), spaceBefore: space, offset: start });
    space = false;
  };
  const fail = (message: string, at: number): never => {
    throw new SqlError(`Syntax error: ${message} at ${positionOf(sql, at)}`);
  };

  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1] ?? "";
    // Whitespace and comments only matter as separators.
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f") {
      i++;
      space = true;
      continue;
    }
    if ((c === "-" && next === "-") || c === "#") {
      while (i < sql.length && sql[i] !== "\n") i++;
      space = true;
      continue;
    }
    if (c === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      if (end < 0) fail("Unclosed comment", i);
      i = end + 2;
      space = true;
      continue;
    }
    const start = i;
    // String and bytes literals, with optional r/b prefixes.
    const prefix = /^(?:[rR][bB]?|[bB][rR]?)(?=['"])/.exec(sql.slice(i, i + 3));
    if (c === "'" || c === '"' || prefix) {
      const flags = prefix ? prefix[0].toLowerCase() : "";
      i += flags.length;
      const value = readQuoted(sql, i, flags.includes("r"), fail);
      i = value.end;
      const kind: TokenKind = flags.includes("b") ? "bytes" : "string";
      if (kind === "string" && !flags.includes("b")) {
        push("string", start, decodeUtf8Escapes(value.text));
      } else {
        push("bytes", start, value.text);
      }
      continue;
    }
    if (c === "`") {
      let j = i + 1;
      let out = "";
      for (;;) {
        if (j >= sql.length || sql[j] === "\n") fail("Unclosed identifier literal", start);
        const ch = sql[j]!;
        if (ch === "\\") {
          out += sql[j + 1] ?? "";
          j += 2;
          continue;
        }
        if (ch === "`") break;
        out += ch;
        j++;
      }
      i = j + 1;
      if (out.length === 0) fail("Invalid empty identifier", start);
      push("quoted", start, out);
      continue;
    }
    if (isIdentStart(c)) {
      while (i < sql.length && isIdentPart(sql[i]!)) i++;
      push("ident", start, sql.slice(start, i));
      continue;
    }
    const prev = tokens[tokens.length - 1];
    const afterPathPart = prev !== undefined && !space && (prev.kind === "ident" || prev.kind === "quoted");
    if (isDigit(c) || (c === "." && isDigit(next) && !afterPathPart)) {
      if (c === "0" && (next === "x" || next === "X")) {
        i += 2;
        while (i < sql.length && /[0-9a-fA-F]/.test(sql[i]!)) i++;
        if (i === start + 2) fail("Invalid hex literal", start);
        push("number", start, BigInt(sql.slice(start, i)).toString());
        continue;
      }
      while (i < sql.length && isDigit(sql[i]!)) i++;
      if (sql[i] === "." && !afterPathPart) {
        i++;
        while (i < sql.length && isDigit(sql[i]!)) i++;
      }
      if ((sql[i] === "e" || sql[i] === "E") && /[0-9]|[+-][0-9]/.test(sql.slice(i + 1, i + 3))) {
        i += 2;
        while (i < sql.length && isDigit(sql[i]!)) i++;
      }
      // `1abc` is neither a number nor an identifier in GoogleSQL, except as a path part (`d.1t`).
      if (i < sql.length && isIdentStart(sql[i]!)) {
        while (i < sql.length && isIdentPart(sql[i]!)) i++;
        push("ident", start, sql.slice(start, i));
        continue;
      }
      push("number", start, sql.slice(start, i));
      continue;
    }
    if (c === "@") {
      if (next === "@") {
        i += 2;
        while (i < sql.length && (isIdentPart(sql[i]!) || sql[i] === ".")) i++;
        push("sysvar", start, sql.slice(start + 2, i));
        continue;
      }
      i++;
      if (sql[i] === "`") {
        const end = sql.indexOf("`", i + 1);
        if (end < 0) fail("Unclosed identifier literal", i);
        const name = sql.slice(i + 1, end);
        i = end + 1;
        push("param", start, name);
        continue;
      }
      if (i >= sql.length || !isIdentStart(sql[i]!)) fail('Unexpected "@"', start);
      while (i < sql.length && isIdentPart(sql[i]!)) i++;
      push("param", start, sql.slice(start + 1, i));
      continue;
    }
    if (c === "?") {
      i++;
      push("positional", start, "?");
      continue;
    }
    const two = sql.slice(i, i + 2);
    if (MULTI_CHAR_OPS.includes(two)) {
      i += 2;
      push("op", start, two);
      continue;
    }
    if (SINGLE_CHAR_OPS.has(c)) {
      i++;
      push("op", start, c);
      continue;
    }
    fail(`Illegal input character "${c}"`, start);
  }
  tokens.push({ kind: "eof", text: "", value: "", upper: "", spaceBefore: space, offset: sql.length });
  return tokens;
}

/** Reads a quoted literal body starting at the opening quote; escapes are left for the caller to decode. */
function readQuoted(
  sql: string,
  at: number,
  raw: boolean,
  fail: (message: string, at: number) => never,
): { text: string; end: number } {
  const quote = sql[at]!;
  const triple = sql.startsWith(quote.repeat(3), at);
  const delimiter = triple ? quote.repeat(3) : quote;
  let j = at + delimiter.length;
  let out = "";
  for (;;) {
    if (j >= sql.length) fail("Unclosed string literal", at);
    const ch = sql[j]!;
    if (!triple && ch === "\n") fail("Unclosed string literal", at);
    if (sql.startsWith(delimiter, j)) return { text: out, end: j + delimiter.length };
    if (ch === "\\") {
      const escaped = sql[j + 1];
      if (escaped === undefined) fail("Unclosed string literal", at);
      if (raw) {
        out += ch + escaped;
        j += 2;
        continue;
      }
      const decoded = decodeEscape(sql, j, fail);
      out += decoded.text;
      j = decoded.end;
      continue;
    }
    out += ch;
    j++;
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  "?": "?",
  '"': '"',
  "'": "'",
  "`": "`",
};

/**
 * Decodes one backslash escape. `\x` and octal escapes produce single byte values (kept as latin1
 * characters); `\u`/`\U` produce code points marked so UTF-8 decoding leaves them alone.
 */
function decodeEscape(
  sql: string,
  at: number,
  fail: (message: string, at: number) => never,
): { text: string; end: number } {
  const e = sql[at + 1]!;
  if (e in SIMPLE_ESCAPES) return { text: SIMPLE_ESCAPES[e]!, end: at + 2 };
  if (e === "x" || e === "X") {
    const hex = sql.slice(at + 2, at + 4);
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) fail("Illegal escape sequence", at);
    return { text: BYTE_MARK + String.fromCharCode(parseInt(hex, 16)), end: at + 4 };
  }
  if (e === "u" || e === "U") {
    const len = e === "u" ? 4 : 8;
    const hex = sql.slice(at + 2, at + 2 + len);
    if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) fail("Illegal escape sequence", at);
    return { text: String.fromCodePoint(parseInt(hex, 16)), end: at + 2 + len };
  }
  if (/[0-7]/.test(e)) {
    const oct = sql.slice(at + 1, at + 4);
    if (!/^[0-7]{3}$/.test(oct)) fail("Illegal escape sequence", at);
    return { text: BYTE_MARK + String.fromCharCode(parseInt(oct, 8)), end: at + 4 };
  }
  return fail("Illegal escape sequence", at);
}

/** Marks a character produced by a byte escape (`\xNN`, octal) so it can be decoded as UTF-8 later. */
const BYTE_MARK = "\u0000\u0001";

/** In string literals, consecutive byte escapes form UTF-8 sequences (`'\xc3\xa9'` is "é"). */
function decodeUtf8Escapes(text: string): string {
  if (!text.includes(BYTE_MARK)) return text;
  let out = "";
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length) out += Buffer.from(bytes).toString("utf8");
    bytes = [];
  };
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith(BYTE_MARK, i)) {
      bytes.push(text.charCodeAt(i + BYTE_MARK.length));
      i += BYTE_MARK.length;
      continue;
    }
    flush();
    out += text[i];
  }
  flush();
  return out;
}

/** Bytes literal value (latin1 characters, UTF-8 for everything not escaped) as a byte array. */
export function bytesLiteralValue(value: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < value.length; i++) {
    if (value.startsWith(BYTE_MARK, i)) {
      out.push(value.charCodeAt(i + BYTE_MARK.length));
      i += BYTE_MARK.length;
      continue;
    }
    const cp = value.codePointAt(i)!;
    if (cp > 0xffff) i++;
    out.push(...Buffer.from(String.fromCodePoint(cp), "utf8"));
  }
  return Buffer.from(out);
}
