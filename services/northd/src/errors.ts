import { isDbError } from '@vpcd/db';
import { isRpcError, RpcError, Status } from '@vpcd/rpc';

/**
 * The gRPC status of anything a handler throws: RpcErrors as they are; database trouble that a
 * retry may cure (connection lost, failover, deadlock, lock timeout) as UNAVAILABLE; a
 * constraint the handlers did not foresee as FAILED_PRECONDITION; the rest INTERNAL.
 */
export function toRpcError(err: unknown): RpcError {
  if (isRpcError(err)) return err;
  if (isDbError(err)) {
    if (err.retryable)
      return new RpcError(Status.UNAVAILABLE, 'database unavailable, retry', { cause: err });
    if (err.kind === 'duplicate')
      return new RpcError(Status.ALREADY_EXISTS, 'already exists', { cause: err });
    if (err.kind === 'constraint') {
      return new RpcError(
        Status.FAILED_PRECONDITION,
        'refers to an object that is missing or in use',
        {
          cause: err,
        },
      );
    }
  }
  return RpcError.from(err);
}

/** Wraps every method of an implementation so its errors go through toRpcError. */
export function mapErrors<T extends Record<string, (...args: never[]) => Promise<unknown>>>(
  impl: T,
): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(impl)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        const mapped = toRpcError(err);
        // Keep the cause for the handler log; only the code and message reach the caller.
        throw mapped;
      }
    };
  }
  return wrapped as T;
}
