/**
 * Helpers for reading what external systems answer. A connector parses every answer with a schema (zod,
 * or anything with its `safeParse`); what cannot be used becomes a short description for a phase message
 * or an error — never a TypeError, and never the whole odd answer quoted back.
 */

/** Longest piece of an external answer a message quotes, by default. */
export const MAX_QUOTED_LENGTH = 300;

/**
 * `text` cut to at most `max` characters, with an ellipsis when cut, never splitting a surrogate pair.
 * External systems put anything in their answers; what reaches a message or a log stays short.
 */
export function clip(text: string, max = MAX_QUOTED_LENGTH): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** What a value is, in words, for messages like "status must be a string, not a list". */
export function describeValue(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** A whole answer that is not the JSON object an API promises, described without quoting much of it. */
export function describeBody(body: unknown): string {
  if (body === undefined || body === "") return "an empty body";
  if (typeof body === "string")
    return `a body that is not a JSON object: ${JSON.stringify(clip(body.trim(), 80))}`;
  return `${describeValue(body)} instead of a JSON object`;
}

/** An answer read: its value, or what was wrong with it, in words. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/** What `parseAnswer` needs of a schema: zod's `safeParse` (any version, or a schema library alike). */
export interface AnswerSchema<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | {
        success: false;
        error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> };
      };
}

/**
 * Reads an external answer with a schema. A problem with the answer as a whole says what the answer was
 * (`describeBody`); a problem with a field, the schema's message for it (write those to name the field).
 *
 * @example
 * ```ts
 * const job = parseAnswer(jobSchema, response.data);
 * if (!job.ok) return { phase: Phase.RUNNING, message: `unexpected answer (${job.problem}); will check again` };
 * ```
 */
export function parseAnswer<T>(schema: AnswerSchema<T>, body: unknown): Parsed<T> {
  const result = schema.safeParse(body);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  return { ok: false, problem: !issue || issue.path.length === 0 ? describeBody(body) : issue.message };
}
