import { status as GrpcStatus, type Metadata } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { ConnectorError, ErrorCode } from "../errors";
import { scrubSecrets } from "../secrets";

/** What every grpc-js server call offers (grpc-js does not export its own name for it). */
export interface SurfaceCall {
  getDeadline(): Date | number;
  on(event: "cancelled", listener: () => void): unknown;
}

/** The gRPC status each error code maps to. */
const STATUS_OF: Record<ErrorCode, GrpcStatus> = {
  [ErrorCode.BadRequest]: GrpcStatus.INVALID_ARGUMENT,
  [ErrorCode.NotFound]: GrpcStatus.NOT_FOUND,
  [ErrorCode.PermissionDenied]: GrpcStatus.PERMISSION_DENIED,
  [ErrorCode.Unavailable]: GrpcStatus.UNAVAILABLE,
  [ErrorCode.Aborted]: GrpcStatus.CANCELLED,
  [ErrorCode.Unimplemented]: GrpcStatus.UNIMPLEMENTED,
  [ErrorCode.Internal]: GrpcStatus.INTERNAL,
};

const MAX_MESSAGE_LENGTH = 1000;
/** A cancel this close to the deadline is grpc-js's own deadline timer (timers round; loaded hosts lag). */
const DEADLINE_SLACK_MS = 100;

export interface GrpcError {
  code: GrpcStatus;
  details: string;
  metadata?: Metadata;
}

/**
 * The status and message a client sees for an error. Messages lose every secret value the call could
 * see; an unexpected (non-ConnectorError) error keeps only its first line.
 */
export function toGrpcError(error: ConnectorError, secrets: Iterable<string>, deadlineExceeded = false): GrpcError {
  const code = deadlineExceeded && error.code === ErrorCode.Aborted ? GrpcStatus.DEADLINE_EXCEEDED : STATUS_OF[error.code];
  let message = error.message;
  if (error.code === ErrorCode.Internal && !(error.cause === undefined)) {
    message = `internal error: ${message.split("\n", 1)[0]}`;
  }
  if (deadlineExceeded && error.code === ErrorCode.Aborted) message = "the call's deadline passed";
  message = scrubSecrets(message, secrets);
  if (message.length > MAX_MESSAGE_LENGTH) message = `${message.slice(0, MAX_MESSAGE_LENGTH)}…`;
  return { code, details: message };
}

/**
 * Links a server call to an AbortSignal: the client cancelling or the deadline passing aborts it, with
 * an AbortError or a TimeoutError as the reason. `dispose()` clears the deadline timer.
 */
export class CallSignal {
  readonly #controller = new AbortController();
  readonly deadline: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #deadlineExceeded = false;

  constructor(call: SurfaceCall) {
    const deadline = call.getDeadline();
    const at = deadline instanceof Date ? deadline.getTime() : deadline;
    this.deadline = Number.isFinite(at) ? at : undefined;
    call.on("cancelled", () => {
      // grpc-js also reports its own deadline timer as "cancelled"; tell the two apart by the clock.
      if (this.deadline !== undefined && Date.now() >= this.deadline - DEADLINE_SLACK_MS) this.#expire();
      else this.#abort(new DOMException("the client cancelled the call", "AbortError"));
    });
    if (Number.isFinite(at)) {
      const remaining = Math.max(0, at - Date.now());
      this.#timer = setTimeout(() => this.#expire(), remaining);
      this.#timer.unref();
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get deadlineExceeded(): boolean {
    return this.#deadlineExceeded;
  }

  /** Aborts from the server side (shutdown). */
  abort(reason: unknown): void {
    this.#abort(reason);
  }

  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
  }

  #expire(): void {
    if (this.#controller.signal.aborted) return;
    this.#deadlineExceeded = true;
    this.#abort(new DOMException("the call's deadline passed", "TimeoutError"));
  }

  #abort(reason: unknown): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }
}

/** Logs an error at a level that fits it: client mistakes at warn, our own failures at error. */
export function logCallError(logger: Logger, error: ConnectorError, durationMs: number): void {
  const fields = { code: error.code, retryable: error.retryable, durationMs, err: error.cause ?? error, ...error.details };
  if (error.code === ErrorCode.Internal) logger.error(fields, `call failed: ${error.message}`);
  else logger.warn(fields, `call failed: ${error.message}`);
}

/** A request whose bytes did not decode. The server answers INVALID_ARGUMENT instead of INTERNAL. */
export class MalformedRequest {
  constructor(readonly reason: string) {}
}

/** Wraps a generated service definition so undecodable requests reach the handler as `MalformedRequest`. */
export function tolerantService<S extends Record<string, { requestDeserialize: (b: Buffer) => unknown }>>(service: S): S {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(service)) {
    wrapped[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return method.requestDeserialize(bytes);
        } catch (error) {
          return new MalformedRequest(error instanceof Error ? error.message : String(error));
        }
      },
    };
  }
  return wrapped as S;
}

export function rejectMalformed(request: unknown): void {
  if (request instanceof MalformedRequest) {
    throw ConnectorError.badRequest(`malformed request: ${request.reason}`);
  }
}
