/**
 * One error class for everything a connector call reports.
 *
 * The code set is closed so the server can map every error to one gRPC status and one metrics label, and
 * so a connector author never has to think about gRPC. `ConnectorError.from()` normalises anything thrown.
 *
 * Mistakes in code or configuration found while setting up (a connector object missing `get`, a task type
 * registered twice, a module that does not load, a malformed task template) are not call errors: they throw
 * `ConfigurationError`, which names what to fix and is never sent to a client as a call's status.
 */
import { clip } from "./answers";

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
  /** The caller cancelled the call, or the server is shutting down. */
  Aborted: "aborted",
  /** The call's deadline passed before it was answered. */
  DeadlineExceeded: "deadline_exceeded",
  /** A method the connector does not implement. */
  Unimplemented: "unimplemented",
  /** A bug: something that should not happen. */
  Internal: "internal",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const ALL_CODES: ReadonlySet<string> = new Set<string>(Object.values(ErrorCode));

/** Codes whose calls may succeed when repeated unchanged. */
const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.Unavailable,
  ErrorCode.Aborted,
  ErrorCode.DeadlineExceeded,
]);

/**
 * Longest message an error keeps, in characters. External systems put anything in their errors (a whole
 * HTML page, a request echoed back); the full text stays reachable through `cause`.
 */
export const MAX_ERROR_MESSAGE_LENGTH = 2000;

/**
 * Marks ConnectorErrors across copies of this package: a connector package installed with its own copy of
 * the runtime throws that copy's class, which a plain `instanceof` would not recognise.
 */
const BRAND = Symbol.for("@flyte-connectors/runtime.ConnectorError");

export interface ConnectorErrorOptions {
  /** What caused this error; kept for logs, never sent to the client. */
  cause?: unknown;
  /** Whether repeating the call may succeed. Defaults by code (unavailable, aborted, deadline_exceeded). */
  retryable?: boolean;
  /** Structured context for logs (task type, job id, field name, ...). Must not hold secrets. */
  details?: Record<string, unknown>;
}

/**
 * The base error of every connector failure.
 *
 * `instanceof ConnectorError` also recognises errors from another copy of this package (a brand check).
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
    super(
      clip(message, MAX_ERROR_MESSAGE_LENGTH),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = ALL_CODES.has(code) ? code : ErrorCode.Internal;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(this.code);
    this.details = Object.freeze({ ...options.details });
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for ConnectorErrors of any copy of this package whose code is one of the closed set. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // Subclasses keep the ordinary prototype check: `x instanceof MyError` must not match every ConnectorError.
    if (this !== ConnectorError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return (
      typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true &&
      ALL_CODES.has((value as { code?: unknown }).code as string) &&
      typeof (value as { message?: unknown }).message === "string"
    );
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

  static deadlineExceeded(message: string, options?: ConnectorErrorOptions): ConnectorError {
    return new ConnectorError(ErrorCode.DeadlineExceeded, message, options);
  }

  static unimplemented(message: string, options?: ConnectorErrorOptions): ConnectorError {
    return new ConnectorError(ErrorCode.Unimplemented, message, options);
  }

  static internal(message: string, options?: ConnectorErrorOptions): ConnectorError {
    return new ConnectorError(ErrorCode.Internal, message, options);
  }

  /**
   * Normalises anything thrown into a `ConnectorError`:
   * - a `ConnectorError` (of any copy of this package) is returned as is;
   * - an abort (`AbortError`, axios' cancel) becomes `aborted`, a `TimeoutError` `deadline_exceeded`;
   * - a `ConfigurationError` becomes `internal`: the deployment is wrong, not the request;
   * - anything else becomes `fallbackCode` (default `internal`) with the original as `cause`. Its message
   *   is kept, so the server sends its first line to the client (`internal error: ...`) after removing
   *   every secret value the call could see; the full error goes to the log.
   */
  static from(reason: unknown, fallbackCode: ErrorCode = ErrorCode.Internal): ConnectorError {
    if (reason instanceof ConnectorError) return reason;
    const kind = abortKind(reason);
    if (kind === "timeout")
      return new ConnectorError(ErrorCode.DeadlineExceeded, "the operation timed out", { cause: reason });
    if (kind === "abort")
      return new ConnectorError(ErrorCode.Aborted, "the call was cancelled", { cause: reason });
    const ownMessage = (reason as { message?: unknown } | null)?.message;
    const message = typeof ownMessage === "string" ? ownMessage : String(reason);
    const code = reason instanceof ConfigurationError ? ErrorCode.Internal : fallbackCode;
    return new ConnectorError(code, message || "unknown error", { cause: reason });
  }
}

/**
 * A mistake in code or configuration, found while setting things up: an object that is not a connector, a
 * task type registered twice, a connector module that does not load, a task template with a bad option.
 * The message says what to fix. Not a `ConnectorError`: no client request caused it.
 */
export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";
}

/** True for the errors `AbortSignal` produces (`AbortError`, `TimeoutError`) and for axios' cancel. */
export function isAbortError(reason: unknown): boolean {
  return abortKind(reason) !== undefined;
}

function abortKind(reason: unknown): "abort" | "timeout" | undefined {
  // Duck-typed: a DOMException from another realm (a VM context, a worker) is not `instanceof Error` here.
  if (reason === null || typeof reason !== "object") return undefined;
  const { name, code } = reason as { name?: unknown; code?: unknown };
  if (name === "TimeoutError") return "timeout";
  if (name === "AbortError" || name === "CanceledError" || code === "ERR_CANCELED" || code === "ABORT_ERR")
    return "abort";
  return undefined;
}
