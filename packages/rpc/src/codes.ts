import { status as Status } from '@grpc/grpc-js';

/** Every gRPC status code, in numeric order. */
export const allCodes: readonly Status[] = Object.values(Status)
  .filter((v): v is Status => typeof v === 'number')
  .sort((a, b) => a - b);

// The CamelCase names that go-grpc-prometheus puts in the grpc_code label (codes.Code.String()).
const codeNames: Record<Status, string> = {
  [Status.OK]: 'OK',
  [Status.CANCELLED]: 'Canceled',
  [Status.UNKNOWN]: 'Unknown',
  [Status.INVALID_ARGUMENT]: 'InvalidArgument',
  [Status.DEADLINE_EXCEEDED]: 'DeadlineExceeded',
  [Status.NOT_FOUND]: 'NotFound',
  [Status.ALREADY_EXISTS]: 'AlreadyExists',
  [Status.PERMISSION_DENIED]: 'PermissionDenied',
  [Status.RESOURCE_EXHAUSTED]: 'ResourceExhausted',
  [Status.FAILED_PRECONDITION]: 'FailedPrecondition',
  [Status.ABORTED]: 'Aborted',
  [Status.OUT_OF_RANGE]: 'OutOfRange',
  [Status.UNIMPLEMENTED]: 'Unimplemented',
  [Status.INTERNAL]: 'Internal',
  [Status.UNAVAILABLE]: 'Unavailable',
  [Status.DATA_LOSS]: 'DataLoss',
  [Status.UNAUTHENTICATED]: 'Unauthenticated',
};

/** The CamelCase name of a status code (`InvalidArgument`), as Go's gRPC prints it. */
export function codeName(code: Status): string {
  return codeNames[code] ?? `Code(${String(code)})`;
}

export type LogLevel = 'info' | 'warn' | 'error';

/**
 * The log level of a finished call by its code, as go-grpc-middleware's DefaultServerCodeToLevel:
 * the caller's mistakes are info, conditions an operator may need to act on are warn, and
 * server faults are error.
 */
export function codeLogLevel(code: Status): LogLevel {
  switch (code) {
    case Status.OK:
    case Status.CANCELLED:
    case Status.INVALID_ARGUMENT:
    case Status.NOT_FOUND:
    case Status.ALREADY_EXISTS:
    case Status.UNAUTHENTICATED:
      return 'info';
    case Status.UNKNOWN:
    case Status.UNIMPLEMENTED:
    case Status.INTERNAL:
    case Status.DATA_LOSS:
      return 'error';
    default:
      return 'warn';
  }
}
