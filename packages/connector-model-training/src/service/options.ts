/**
 * The service's settings, shared by the programmatic API and the CLI so both validate the same way.
 * Numbers may arrive as strings (flags, environment variables) and are converted strictly.
 */
import { z } from "zod";

export const DEFAULT_BASE_PATH = "/train";
export const DEFAULT_EPOCH_MS = 1000;
export const DEFAULT_QUEUE_MS = 250;
export const DEFAULT_LOG_PAGE_SIZE = 50;

/** A numeric string becomes a number; anything else is left for the number schema to reject. */
function fromNumericString(value: unknown): unknown {
  return typeof value === "string" && value.trim() !== "" ? Number(value) : value;
}

function integerIn(min: number, max: number) {
  const message = `must be an integer from ${min} to ${max}`;
  return z.preprocess(
    fromNumericString,
    z
      .number({ error: message })
      .int({ error: message })
      .min(min, { error: message })
      .max(max, { error: message }),
  );
}

const PATH_SEGMENT = /^[A-Za-z0-9._~-]+$/;

/** "/train", "train/", "/v1/train" are fine; "" and "/" mount the jobs at the root. */
const basePathSchema = z
  .string({ error: "must be a URL path such as /train" })
  .transform((raw) => raw.split("/").filter((segment) => segment !== ""))
  .refine((segments) => segments.every((segment) => PATH_SEGMENT.test(segment)), {
    error: "must be a URL path of letters, digits and . _ ~ - such as /train",
  })
  .refine((segments) => segments[0] !== "healthz", { error: "must not start with /healthz" })
  .transform((segments) => segments.map((segment) => `/${segment}`).join(""));

export const serviceSettingsSchema = z.object({
  port: integerIn(0, 65_535).default(0),
  host: z
    .string({ error: "must be a host name or IP address" })
    .min(1, { error: "must not be empty" })
    .default("127.0.0.1"),
  basePath: basePathSchema.default(DEFAULT_BASE_PATH),
  epochMs: integerIn(0, 3_600_000).default(DEFAULT_EPOCH_MS),
  queueMs: integerIn(0, 3_600_000).default(DEFAULT_QUEUE_MS),
  failRate: z
    .preprocess(
      fromNumericString,
      z
        .number({ error: "must be a number from 0 to 1" })
        .min(0, { error: "must be a number from 0 to 1" })
        .max(1, { error: "must be a number from 0 to 1" }),
    )
    .default(0),
  // The key itself never appears in a message: only its presence matters to a reader of an error.
  apiKey: z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }).optional(),
  modelsDir: z
    .string({ error: "must be a directory path" })
    .min(1, { error: "must not be empty" })
    .optional(),
  logPageSize: integerIn(1, 10_000).default(DEFAULT_LOG_PAGE_SIZE),
});

/** Validated settings, defaults filled in. */
export type ServiceSettings = z.output<typeof serviceSettingsSchema>;

export type SettingName = keyof ServiceSettings;

/**
 * Validates settings; on failure throws one error listing every bad setting, each named by `describe`
 * (the option name for the programmatic API, the flag and environment variable for the CLI).
 */
export function parseServiceSettings(
  input: Record<string, unknown>,
  describe: (name: SettingName) => string = (name) => `options.${name}`,
): ServiceSettings {
  const result = serviceSettingsSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path[0];
    return typeof name === "string" && name in serviceSettingsSchema.shape
      ? `${describe(name as SettingName)} ${issue.message}`
      : issue.message;
  });
  throw new InvalidSettingsError(problems);
}

export class InvalidSettingsError extends Error {
  override readonly name = "InvalidSettingsError";
  constructor(readonly problems: readonly string[]) {
    super(problems.join("; "));
  }
}
