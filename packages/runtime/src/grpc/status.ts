import { status as GrpcStatus, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import { ConnectorError, ErrorCode } from "../errors";

/** The gRPC status each error code maps to: one each, so dashboards and clients agree. */
const STATUS_OF: Record<ErrorCode, GrpcStatus> = {
  [ErrorCode.BadRequest]: GrpcStatus.INVALID_ARGUMENT,
  [ErrorCode.NotFound]: GrpcStatus.NOT_FOUND,
  [ErrorCode.PermissionDenied]: GrpcStatus.PERMISSION_DENIED,
  [ErrorCode.Unavailable]: GrpcStatus.UNAVAILABLE,
  [ErrorCode.Aborted]: GrpcStatus.CANCELLED,
  [ErrorCode.DeadlineExceeded]: GrpcStatus.DEADLINE_EXCEEDED,
  [ErrorCode.Unimplemented]: GrpcStatus.UNIMPLEMENTED,
  [ErrorCode.Internal]: GrpcStatus.INTERNAL,
};

/** The error code of a gRPC status, for clients: the inverse of `STATUS_OF`, widened to every status. */
const CODE_OF_STATUS: Partial<Record<GrpcStatus, ErrorCode>> = {
  [GrpcStatus.INVALID_ARGUMENT]: ErrorCode.BadRequest,
  [GrpcStatus.FAILED_PRECONDITION]: ErrorCode.BadRequest,
  [GrpcStatus.OUT_OF_RANGE]: ErrorCode.BadRequest,
  [GrpcStatus.ALREADY_EXISTS]: ErrorCode.BadRequest,
  [GrpcStatus.NOT_FOUND]: ErrorCode.NotFound,
  [GrpcStatus.PERMISSION_DENIED]: ErrorCode.PermissionDenied,
  [GrpcStatus.UNAUTHENTICATED]: ErrorCode.PermissionDenied,
  [GrpcStatus.UNAVAILABLE]: ErrorCode.Unavailable,
  [GrpcStatus.RESOURCE_EXHAUSTED]: ErrorCode.Unavailable,
  [GrpcStatus.DEADLINE_EXCEEDED]: ErrorCode.DeadlineExceeded,
  [GrpcStatus.CANCELLED]: ErrorCode.Aborted,
  [GrpcStatus.UNIMPLEMENTED]: ErrorCode.Unimplemented,
};

/** The status a client gets for a pipeline's error (its message is already fit for the client). */
export function toStatus(error: ConnectorError): Partial<StatusObject> {
  return { code: STATUS_OF[error.code] ?? GrpcStatus.INTERNAL, details: error.message };
}

/** A client's view of a failed call: the status as a `ConnectorError` (UNKNOWN and INTERNAL → internal). */
export function fromStatus(error: ServiceError, endpoint: string): ConnectorError {
  const code = CODE_OF_STATUS[error.code as GrpcStatus] ?? ErrorCode.Internal;
  const text = error.details || error.message;
  // Connection trouble says nothing about the task: name the endpoint so the fix is obvious.
  const message = error.code === GrpcStatus.UNAVAILABLE ? `connector server ${endpoint}: ${text}` : text;
  return new ConnectorError(code, message, { cause: error, details: { grpcCode: error.code } });
}
