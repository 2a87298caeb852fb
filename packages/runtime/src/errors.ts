/**
 * One error class for everything a connector, the runtime or the server reports.
 *
 * The code set is closed so the server can map every error to one gRPC status and one metrics label, and
 * so a connector author never has to think about gRPC. `ConnectorError.from()` normalises anything thrown.
 */

/** The closed set of error codes. Each maps to exactly one gRPC status in the server. */
export const ErrorCode = {
  /** The request, its inputs, its config or its resource meta is wrong. Retrying the same call won't help. */
  BadRequest: "bad_request",
  /** The task type, connector or external job does not exist. */
  NotFound: "not_found",
  /** The credentials were rejected by the external system. */
  PermissionDenied: "permission_denied",
  /** The external system is down, slow or overloaded. Retrying later may help. */
  Unavailable: "unavailable",
  /** The call was cancelled or its deadline passed. */
  Aborted: "aborted",
  /** A method the connector does not implement. */
  Unimplemented: "unimplemented",
  /** A bug: something that should not happen. */
  Internal: "internal",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const ALL_CODES = new Set<string>(Object.values(ErrorCode));

/** Codes whose calls may succeed when repeated unchanged. */
const RETRYABLE_BY_DEFAULT = new Set<ErrorCode>([ErrorCode.Unavailable, ErrorCode.Aborted]);

export interface ConnectorErrorOptions {
  /** What caused this error; kept for logs, never sent to the client. */
  cause?: unknown;
  /** Whether repeating the call may succeed. Defaults by code (unavailable and aborted are retryable). */
  retryable?: boolean;
  /** Structured context for logs (task type, job id, field name, ...). Must not hold secrets. */
  details?: Record<string, unknown>;
}

/**
 * The base error of every connector failure.
 *
 * @example
 * ```ts
 * throw ConnectorError.badRequest("custom.endpoint is required", { details: { field: "custom.endpoint" } });
 * ```
 */
export class ConnectorError extends Error {
  override readonly name = "ConnectorError";
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: ConnectorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = ALL_CODES.has(code) ? code : ErrorCode.Internal;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(this.code);
    this.details = Object.freeze({ ...options.details });
  }

  static badRequest(message: string, options?: ConnectorErrorOptions): ConnectorError {
    return new ConnectorError(ErrorCode.BadRequest, message, options);
  }

  static notFound(message: string, options?: ConnectorErrorOptions): ConnectorError {
    return new ConnectorError(ErrorCode.NotFound, message, options);
  }

  static permissionDenied(message: string, options?: ConnectorErrorOptions): ConnectorError {
    return new ConnectorError(ErrorCode.PermissionDenied, message, options);
  }

  static unavailable(message: string, options?: ConnectorErrorOptions): ConnectorError {
    return new ConnectorError(ErrorCode.Unavailable, message, options);
  }

  static aborted(message: string, options?: ConnectorErrorOptions): ConnectorError {
    return new ConnectorError(ErrorCode.Aborted, message, options);
  }

  static unimplemented(message: string, options?: ConnectorErrorOptions): ConnectorError {
    return new ConnectorError(ErrorCode.Unimplemented, message, options);
  }

  static internal(message: string, options?: ConnectorErrorOptions): ConnectorError {
    return new ConnectorError(ErrorCode.Internal, message, options);
  }

  /**
   * Normalises anything thrown into a `ConnectorError`. A `ConnectorError` is returned as is; an
   * `AbortError` becomes `aborted`; anything else becomes `internal` with the original as `cause`, so its
   * message (which may hold anything, even a secret) stays out of what the client sees unless the caller
   * chooses to show it.
   */
  static from(reason: unknown, fallbackCode: ErrorCode = ErrorCode.Internal): ConnectorError {
    if (reason instanceof ConnectorError) return reason;
    if (isAbortError(reason)) {
      return new ConnectorError(ErrorCode.Aborted, "the call was cancelled", { cause: reason });
    }
    const ownMessage = (reason as { message?: unknown } | null)?.message;
    const message = typeof ownMessage === "string" ? ownMessage : String(reason);
    return new ConnectorError(fallbackCode, message || "unknown error", { cause: reason });
  }
}

/** True for the errors `AbortSignal` produces (`AbortError`, `TimeoutError`) and for axios' cancel. */
export function isAbortError(reason: unknown): boolean {
  // Duck-typed: a DOMException from another realm (a VM context, a worker) is not `instanceof Error` here.
  if (reason === null || typeof reason !== "object") return false;
  const { name, code } = reason as { name?: unknown; code?: unknown };
  return name === "AbortError" || name === "TimeoutError" || name === "CanceledError" || code === "ERR_CANCELED" || code === "ABORT_ERR";
}
