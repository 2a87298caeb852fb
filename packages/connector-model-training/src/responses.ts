/**
 * How the connector reads the training service's answers. The service (or a proxy in front of it) is not
 * trusted to keep to the contract: every answer is parsed here, and what cannot be used becomes a short,
 * readable description for a phase message or an error, never a TypeError.
 */
import type { z as Zod, ZodType } from "zod";
import {
  clip,
  describeBody,
  describeValue,
  parseAnswer,
  type LogLine,
  type Parsed,
} from "@flyte-connectors/runtime";

/** Longest job id accepted: it goes into the resource meta, URLs and log lines. */
export const MAX_JOB_ID_CHARS = 1024;
/** Longest log line passed on: one huge line must not push a GetTaskLogs message past gRPC's size limit. */
export const MAX_LOG_LINE_CHARS = 16 * 1024;

/**
 * The schemas, built on first use: zod costs ~45 ms to load, which a server that never reaches this
 * connector (or not yet: start-up) need not pay.
 */
function buildSchemas(z: typeof Zod) {
  const objectOnly = { error: "expected a JSON object" };

  const createAnswerSchema = z.object(
    {
      job_id: z
        .string({ error: (issue) => `job_id must be a string, not ${describeValue(issue.input)}` })
        .min(1, { error: "job_id must not be empty" })
        .max(MAX_JOB_ID_CHARS, { error: `job_id is longer than ${MAX_JOB_ID_CHARS} characters` }),
    },
    objectOnly,
  );

  /**
   * Progress is informational: each field is taken when it is usable (a number, or a string holding one,
   * as some services send) and dropped otherwise, so odd progress never fails a poll.
   */
  const looseNumber = z
    .preprocess((v) => (typeof v === "string" && v.trim() !== "" ? Number(v) : v), z.number())
    .optional()
    .catch(undefined);
  const looseCount = z
    .preprocess(
      (v) => (typeof v === "string" && v.trim() !== "" ? Number(v) : v),
      z.number().int().nonnegative(),
    )
    .optional()
    .catch(undefined);

  const progressSchema: ZodType<Progress | undefined> = z
    .union([
      z.object({ epoch: looseCount, epochs: looseCount, loss: looseNumber }),
      z.string().transform((text) => ({ text: clip(text.trim(), 100) })),
    ])
    .optional()
    .catch(undefined);

  const jobViewSchema = z.object(
    {
      status: z.string({ error: (issue) => `status must be a string, not ${describeValue(issue.input)}` }),
      // Checked where it matters (a finished job): anything but a string counts as absent.
      results: z.string().optional().catch(undefined),
      error: z.unknown().optional(),
      progress: progressSchema,
    },
    objectOnly,
  );

  const errorObjectSchema = z.object({
    message: z.string().min(1),
    reason: z.string().min(1).optional().catch(undefined),
    code: z
      .union([z.string().min(1), z.number()])
      .optional()
      .catch(undefined),
  });

  const logsPageSchema = z.object(
    {
      // Absent means no lines; each line is read on its own below, so one bad line doesn't lose the page.
      lines: z
        .array(z.unknown(), { error: (issue) => `lines must be a list, not ${describeValue(issue.input)}` })
        .optional(),
      next_token: z
        .union([z.string(), z.number().transform(String), z.null().transform(() => undefined)], {
          error: (issue) => `next_token must be a string, not ${describeValue(issue.input)}`,
        })
        .optional(),
    },
    objectOnly,
  );

  const logLineSchema = z.object({ message: z.string(), timestamp: z.unknown().optional() });
  return { createAnswerSchema, jobViewSchema, errorObjectSchema, logsPageSchema, logLineSchema };
}

let built: ReturnType<typeof buildSchemas> | undefined;
function schemas(): ReturnType<typeof buildSchemas> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (built ??= buildSchemas((require("zod") as { z: typeof Zod }).z));
}

/** `POST {endpoint}` → `{job_id}`. */
export function parseCreateAnswer(body: unknown): Parsed<{ job_id: string }> {
  return parseAnswer(schemas().createAnswerSchema, body);
}

export interface Progress {
  epoch?: number;
  epochs?: number;
  loss?: number;
  /** A service that reports progress as text, e.g. "50%". */
  text?: string;
}

export interface JobView {
  status: string;
  results?: string;
  /** Whatever the service put there; see `errorText`. */
  error?: unknown;
  progress?: Progress;
}

/** `GET {endpoint}/{job_id}`. */
export function parseJobView(body: unknown): Parsed<JobView> {
  return parseAnswer(schemas().jobViewSchema, body);
}

/** "epoch 2/5, loss 0.1234" from whatever of it is usable; undefined when nothing is. */
export function describeProgress(progress: Progress | undefined): string | undefined {
  if (!progress) return undefined;
  const { epoch, epochs, loss, text } = progress;
  const parts: string[] = [];
  if (epoch !== undefined) parts.push(epochs !== undefined ? `epoch ${epoch}/${epochs}` : `epoch ${epoch}`);
  if (loss !== undefined) parts.push(`loss ${loss.toFixed(4)}`);
  if (parts.length) return parts.join(", ");
  return text ? `progress ${text}` : undefined;
}

/** The usable part of the progress for `customInfo`, or undefined. */
export function progressInfo(progress: Progress | undefined): Progress | undefined {
  if (!progress) return undefined;
  const info = Object.fromEntries(Object.entries(progress).filter(([, v]) => v !== undefined && v !== ""));
  return Object.keys(info).length ? (info as Progress) : undefined;
}

/**
 * The service's `error`, as text: a string as is; an error object as `reason: message` (services send
 * `{code, message}` or `{reason, message}` shapes); anything else as compact JSON. Bounded.
 */
export function errorText(value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "string") return clip(value.trim());
  const object = schemas().errorObjectSchema.safeParse(value);
  if (object.success) {
    const { message, reason, code } = object.data;
    const tag = reason ?? (code === undefined ? undefined : String(code));
    return clip(tag ? `${tag}: ${message}` : message);
  }
  return clip(JSON.stringify(value));
}

/** The details of a 4xx/5xx answer: its `error`, else what the body was. */
export function errorBodyText(body: unknown): string {
  if (body === undefined || body === null || body === "") return "no details";
  if (typeof body === "object" && !Array.isArray(body)) {
    return errorText((body as { error?: unknown }).error) ?? "no details";
  }
  return describeBody(body);
}

export interface LogsPage {
  lines: LogLine[];
  /** Lines the page held, usable or not: a page of only unusable lines is still not the end. */
  received: number;
  nextToken: string;
}

/** `GET {endpoint}/{job_id}/logs`. Lines without a text message are skipped; bad timestamps are left out. */
export function parseLogsPage(body: unknown): Parsed<LogsPage> {
  const page = parseAnswer(schemas().logsPageSchema, body);
  if (!page.ok) return page;
  const raw = page.value.lines ?? [];
  const lines: LogLine[] = [];
  for (const entry of raw) {
    if (typeof entry === "string") {
      lines.push({ message: clip(entry, MAX_LOG_LINE_CHARS) });
      continue;
    }
    const line = schemas().logLineSchema.safeParse(entry);
    if (!line.success) continue;
    const timestamp = dateOf(line.data.timestamp);
    const message = clip(line.data.message, MAX_LOG_LINE_CHARS);
    lines.push(timestamp ? { message, timestamp } : { message });
  }
  return { ok: true, value: { lines, received: raw.length, nextToken: page.value.next_token ?? "" } };
}

function dateOf(value: unknown): Date | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
