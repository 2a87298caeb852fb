import type { z as Zod } from "zod";
import { ConnectorError } from "@flyte-connectors/runtime";

/**
 * The task's custom config, as the Python plugin writes it: `ProjectID`, `Location`, `Domain`, the
 * BigQuery query job configuration in REST shape (`configuration.query` fields) flattened beside them,
 * and `secrets.google_application_credentials` naming the credentials secret.
 */
export interface BigQueryCustomConfig {
  ProjectID: string;
  Location?: string;
  Domain?: string;
  /** BigQuery parameter types for inputs whose Flyte type does not say (e.g. `{ amount: "NUMERIC" }`). */
  QueryParameterTypes?: Record<string, string>;
  secrets?: { google_application_credentials?: string };
  /** Any `configuration.query` field in REST shape, passed through (destinationTable, priority, ...). */
  [queryField: string]: unknown;
}

/** Keys of custom config that are ours, not BigQuery's `configuration.query` fields. */
const OWN_KEYS = new Set(["ProjectID", "Location", "Domain", "QueryParameterTypes", "secrets"]);
/** Job-level (not `configuration.query`) fields that may appear in custom config. */
const JOB_LEVEL_KEYS = new Set(["labels", "dryRun", "jobTimeoutMs"]);
/** Fields the connector sets itself; a task may not override them. */
const RESERVED_QUERY_KEYS = new Set(["query", "queryParameters", "parameterMode"]);

/**
 * The Python plugin's `BigQueryTask` writes the secret name under this key, colon included; accepting
 * it keeps tasks registered from Python working.
 */
const PYTHON_CREDENTIALS_KEY = "google_application_credentials:";

/** The custom config's schema, built on first use (zod loads then, not when the server starts). */
let customSchema: ReturnType<typeof buildCustomSchema> | undefined;
function buildCustomSchema(z: typeof Zod) {
  return z
    .object({
      ProjectID: z
        .string({ error: "custom.ProjectID is required: the Google Cloud project that runs the query" })
        .min(1, {
          error: "custom.ProjectID must not be empty",
        }),
      Location: z.string().optional().nullable(),
      Domain: z.string().optional().nullable(),
      QueryParameterTypes: z.record(z.string(), z.string()).optional(),
      secrets: z
        .object({
          google_application_credentials: z.string().optional(),
          [PYTHON_CREDENTIALS_KEY]: z.string().optional(),
        })
        .passthrough()
        .optional(),
      labels: z.record(z.string(), z.string()).optional(),
      dryRun: z.boolean().optional(),
    })
    .passthrough();
}

export interface ParsedConfig {
  project: string;
  location: string | undefined;
  domain: string;
  parameterTypes: Record<string, string>;
  credentialsSecret: string;
  /** `configuration.query` fields to pass through. */
  query: Record<string, unknown>;
  /** Job-level `configuration` fields (labels, dryRun, jobTimeoutMs). */
  job: Record<string, unknown>;
}

export const DEFAULT_CREDENTIALS_SECRET = "google_application_credentials";

export function parseCustomConfig(custom: unknown): ParsedConfig {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  customSchema ??= buildCustomSchema((require("zod") as { z: typeof Zod }).z);
  const parsed = customSchema.safeParse(custom ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.length ? `custom.${issue.path.join(".")}` : "custom";
    const message = issue.message.startsWith("custom.") ? issue.message : `${field}: ${issue.message}`;
    throw ConnectorError.badRequest(message, { details: { field } });
  }
  const config = parsed.data as BigQueryCustomConfig;
  const query: Record<string, unknown> = {};
  const job: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (OWN_KEYS.has(key) || value === undefined || value === null) continue;
    if (RESERVED_QUERY_KEYS.has(key)) {
      throw ConnectorError.badRequest(
        `custom.${key} is set by the connector (SQL comes from the template, parameters from inputs)`,
      );
    }
    if (JOB_LEVEL_KEYS.has(key)) job[key] = key === "jobTimeoutMs" ? String(value) : value;
    else query[key] = value;
  }
  return {
    project: config.ProjectID,
    location: config.Location ?? undefined,
    domain: config.Domain ?? "",
    parameterTypes: config.QueryParameterTypes ?? {},
    credentialsSecret: credentialsSecretName(config.secrets) ?? DEFAULT_CREDENTIALS_SECRET,
    query,
    job,
  };
}

function credentialsSecretName(secrets: Record<string, unknown> | undefined): string | undefined {
  const name = secrets?.google_application_credentials ?? secrets?.[PYTHON_CREDENTIALS_KEY];
  return typeof name === "string" && name ? name : undefined;
}
