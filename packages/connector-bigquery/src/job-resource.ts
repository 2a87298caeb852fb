/**
 * How the connector reads BigQuery's answers: the job resource of `jobs.get` and `jobs.insert`. The
 * Google client hands them over as parsed JSON without checking them, and an emulator, a proxy or a
 * future API version may send other shapes; each is parsed here, and what cannot be used becomes a short
 * description for a phase message or an error, never a TypeError.
 */
import type { z as Zod, ZodType } from "zod";
import { clip, describeValue, parseAnswer, type Parsed } from "@flyte-connectors/runtime";

/**
 * The schemas, built on first use: zod costs ~45 ms to load, which a server starting up need not wait for.
 */
function buildSchemas(z: typeof Zod) {
  /** Informational fields: taken when usable, dropped otherwise, so they never fail a poll. */
  const optional = <T extends ZodType>(schema: T) => schema.optional().catch(undefined);
  /** BigQuery sends int64 statistics as decimal strings; a number is accepted too. */
  const int64 = optional(z.union([z.string().regex(/^-?\d{1,20}$/), z.int().transform(String)]));
  const shortText = optional(z.string().max(100));

  const statisticsSchema = z.object({
    totalBytesProcessed: int64,
    query: optional(
      z.object({
        totalBytesProcessed: int64,
        totalSlotMs: int64,
        cacheHit: optional(z.boolean()),
        statementType: shortText,
        numDmlAffectedRows: int64,
      }),
    ),
  });

  const jobResourceSchema = z.object(
    {
      status: z.object(
        {
          state: z.string({
            error: (issue) => `status.state must be a string, not ${describeValue(issue.input)}`,
          }),
          // Read on its own (`jobError`): any shape of it still means the job failed.
          errorResult: z.unknown().optional(),
        },
        { error: (issue) => `status must be an object, not ${describeValue(issue.input)}` },
      ),
      statistics: optional(statisticsSchema),
      configuration: optional(
        z.object({
          labels: optional(z.record(z.string(), z.unknown())),
          // Read on its own (`destinationTable`) once the job is done: only then does a bad one matter.
          query: optional(z.object({ destinationTable: z.unknown().optional() })),
        }),
      ),
    },
    { error: "expected a JSON object" },
  );

  const errorProtoSchema = z.object({
    reason: optional(z.string().min(1)),
    message: optional(z.string().min(1)),
  });

  const nonEmpty = (field: string) =>
    z
      .string({
        error: (issue) =>
          `configuration.query.destinationTable.${field} must be a string, not ${describeValue(issue.input)}`,
      })
      .min(1, { error: `configuration.query.destinationTable.${field} must not be empty` });

  const tableReferenceSchema = z.object(
    { projectId: nonEmpty("projectId"), datasetId: nonEmpty("datasetId"), tableId: nonEmpty("tableId") },
    {
      error: (issue) =>
        `configuration.query.destinationTable must be an object, not ${describeValue(issue.input)}`,
    },
  );

  const insertAnswerSchema = z.object(
    {
      jobReference: optional(z.object({ location: optional(z.string().min(1).max(100)) })),
      status: optional(z.object({ errorResult: z.unknown().optional() })),
    },
    { error: "expected a JSON object" },
  );
  return { jobResourceSchema, errorProtoSchema, tableReferenceSchema, insertAnswerSchema };
}

let built: ReturnType<typeof buildSchemas> | undefined;
function schemas(): ReturnType<typeof buildSchemas> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (built ??= buildSchemas((require("zod") as { z: typeof Zod }).z));
}

export type JobResource = Zod.output<ReturnType<typeof buildSchemas>["jobResourceSchema"]>;

/** `jobs.get`: the job resource, or what was wrong with it. */
export function parseJobResource(body: unknown): Parsed<JobResource> {
  return parseAnswer(schemas().jobResourceSchema, body);
}

/** The statistics worth showing in `customInfo`, without the ones BigQuery did not send. */
export function statisticsInfo(job: JobResource): Record<string, unknown> {
  const stats = job.statistics;
  const query = stats?.query;
  const info: Record<string, unknown> = {
    state: clip(job.status.state, 100),
    totalBytesProcessed: query?.totalBytesProcessed ?? stats?.totalBytesProcessed,
    totalSlotMs: query?.totalSlotMs,
    cacheHit: query?.cacheHit,
    statementType: query?.statementType,
    numDmlAffectedRows: query?.numDmlAffectedRows,
  };
  return Object.fromEntries(Object.entries(info).filter(([, v]) => v !== undefined));
}

export interface JobError {
  /** BigQuery's reason (`invalidQuery`, `backendError`, `stopped`, ...), when it gave one. */
  reason?: string;
  /** Bounded. */
  message: string;
}

/**
 * The job's `status.errorResult`, or undefined when it has none. BigQuery sends an ErrorProto
 * (`{reason, message, location}`); any other shape still means the job failed, and is quoted.
 */
export function jobError(errorResult: unknown): JobError | undefined {
  if (errorResult === undefined || errorResult === null) return undefined;
  const proto = schemas().errorProtoSchema.safeParse(errorResult);
  if (proto.success) {
    const { reason, message } = proto.data;
    return { reason: reason && clip(reason, 100), message: clip(message ?? "the query failed") };
  }
  const text = typeof errorResult === "string" ? errorResult : JSON.stringify(errorResult);
  return { message: `the query failed: ${clip(text)}` };
}

/**
 * The result table of a finished job: undefined when the job has none (DDL, scripts), or a problem
 * when BigQuery named one the connector cannot read.
 */
export function destinationTable(
  job: JobResource,
): Parsed<{ projectId: string; datasetId: string; tableId: string } | undefined> {
  const table = job.configuration?.query?.destinationTable;
  if (table === undefined || table === null) return { ok: true, value: undefined };
  const parsed = schemas().tableReferenceSchema.safeParse(table);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, problem: parsed.error.issues[0]?.message ?? "unreadable" };
}

/** `jobs.insert`: where the job runs and whether it failed at once, or what was wrong with the answer. */
export function parseInsertAnswer(body: unknown): Parsed<{ location?: string; failedAtOnce: boolean }> {
  const parsed = parseAnswer(schemas().insertAnswerSchema, body);
  if (!parsed.ok) return parsed;
  return {
    ok: true,
    value: {
      location: parsed.value.jobReference?.location,
      failedAtOnce: jobError(parsed.value.status?.errorResult) !== undefined,
    },
  };
}
