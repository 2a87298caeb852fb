/**
 * Where a value sits (`inputs.config.items[2]`) and the bad-request error that names it.
 *
 * Every conversion error is the caller's fault (a wrong input, a wrong output), so all of them are
 * bad requests, and all name the path so a user can find the value without reading the literal.
 */
import { ConnectorError } from "../errors";

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The path of a property: `a.b` for identifier keys, `a["odd key"]` otherwise. */
export function childPath(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** The path of an element: `a[3]`. */
export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/**
 * The input (or output) a path belongs to: the segment after a leading `inputs`/`outputs`, else the first
 * segment. The server logs it as `details.input`.
 */
export function inputNameOf(path: string): string {
  const match =
    /^(?:(?:inputs|outputs)(?:\.([A-Za-z_$][\w$]*)|\[("(?:[^"\\]|\\.)*")\])|([A-Za-z_$][\w$]*))/.exec(path);
  if (!match) return path;
  if (match[1] !== undefined) return match[1];
  if (match[2] !== undefined) return JSON.parse(match[2]) as string;
  return match[3] ?? path;
}

/** A bad-request error whose message starts with the path. */
export function badValue(path: string, message: string, cause?: unknown): ConnectorError {
  return ConnectorError.badRequest(`${path}: ${message}`, {
    details: { input: inputNameOf(path), path },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** A short description of a JavaScript value for error messages; never the value itself for strings. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "number")
    return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
  if (typeof value === "bigint") return `the bigint ${value}`;
  if (typeof value === "string") return "a string";
  if (typeof value === "boolean") return `the boolean ${value}`;
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return "a symbol";
  if (Array.isArray(value)) return "an array";
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  if (proto === null || proto === Object.prototype) return "a plain object";
  const name = proto.constructor?.name;
  return name ? `a ${name}` : "an object";
}
