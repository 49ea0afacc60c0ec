import { Metadata, status as Status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { codeName } from './codes.js';

const brand = Symbol.for('vpcd.rpc.RpcError');

/**
 * The error of the RPC boundary: a gRPC code, a message for the caller and the cause (never sent).
 * Handlers throw it; clients' failures are normalised to it by RpcError.from.
 */
export class RpcError extends Error {
  readonly [brand] = true;
  readonly metadata: Metadata;

  constructor(
    readonly code: Status,
    message: string,
    options: { cause?: unknown; metadata?: Metadata } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = `RpcError(${codeName(code)})`;
    this.metadata = options.metadata ?? new Metadata();
  }

  /**
   * Normalises anything thrown: an RpcError as it is, a grpc-js ServiceError with its code, and
   * anything else as INTERNAL with a generic message (the cause keeps the detail for the logs).
   */
  static from(err: unknown): RpcError {
    if (isRpcError(err)) return err;
    if (isServiceError(err)) {
      return new RpcError(err.code, err.details || err.message, {
        cause: err,
        metadata: err.metadata,
      });
    }
    return new RpcError(Status.INTERNAL, 'internal error', { cause: err });
  }

  toStatus(): Pick<StatusObject, 'code' | 'details' | 'metadata'> {
    return { code: this.code, details: this.message, metadata: this.metadata };
  }
}

/** True for an RpcError from any copy of this package (no instanceof across copies). */
export function isRpcError(err: unknown): err is RpcError {
  return typeof err === 'object' && err !== null && (err as { [brand]?: unknown })[brand] === true;
}

function isServiceError(err: unknown): err is ServiceError {
  return (
    err instanceof Error &&
    typeof (err as Partial<ServiceError>).code === 'number' &&
    (err as Partial<ServiceError>).metadata instanceof Metadata
  );
}

/** True when `err` is, or normalises to, an RpcError with this code. */
export function hasCode(err: unknown, code: Status): boolean {
  return RpcError.from(err).code === code;
}
