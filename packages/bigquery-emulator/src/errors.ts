/**
 * Errors in BigQuery's JSON shape:
 * `{"error":{"code":404,"message":"Not found: Table p:d.t","errors":[{"reason":"notFound",...}],"status":"NOT_FOUND"}}`.
 * The Google client reads `code`, `message` and `errors[].reason` from it.
 */
export type ErrorReason =
  | "notFound"
  | "duplicate"
  | "invalid"
  | "invalidQuery"
  | "resourceInUse"
  | "stopped"
  | "backendError"
  | "internalError";

const HTTP_CODES: Record<ErrorReason, number> = {
  notFound: 404,
  duplicate: 409,
  invalid: 400,
  invalidQuery: 400,
  resourceInUse: 400,
  stopped: 400,
  backendError: 500,
  internalError: 500,
};

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  404: "NOT_FOUND",
  409: "ALREADY_EXISTS",
  500: "INTERNAL",
};

/** An error the REST API reports to the caller. */
export class ApiError extends Error {
  readonly code: number;
  constructor(
    readonly reason: ErrorReason,
    message: string,
    /** `location` of the error item, e.g. "query" for query errors. */
    readonly location?: string,
  ) {
    super(message);
    this.name = "ApiError";
    this.code = HTTP_CODES[reason];
  }

  /** The error item as it appears in `errors[]` and in a job's `status.errorResult`. */
  toErrorProto(): ErrorProto {
    return errorProto(this.reason, this.message, this.location);
  }

  toJSON(): { error: Record<string, unknown> } {
    return {
      error: {
        code: this.code,
        message: this.message,
        errors: [
          {
            message: this.message,
            domain: "global",
            reason: this.reason,
            ...(this.location ? { location: this.location, locationType: "other" } : {}),
          },
        ],
        status: STATUS_NAMES[this.code] ?? "UNKNOWN",
      },
    };
  }
}

export interface ErrorProto {
  reason: string;
  message: string;
  location?: string;
}

export function errorProto(reason: string, message: string, location?: string): ErrorProto {
  return location ? { reason, location, message } : { reason, message };
}

export const notFound = (message: string) => new ApiError("notFound", message);
export const duplicate = (message: string) => new ApiError("duplicate", message);
export const invalid = (message: string) => new ApiError("invalid", message);
