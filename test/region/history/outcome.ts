import { RpcError, Status } from '@vpcd/rpc';
import type { Outcome } from './history.js';

/**
 * Codes that say the server refused the call before it took effect: the handler (or the auth
 * layer before it) threw, and its transaction rolled back. Every other code leaves the call
 * indeterminate:
 * - DEADLINE_EXCEEDED, CANCELLED: the client stopped waiting; the server may have committed.
 * - UNAVAILABLE: the connection was lost (before or after the commit), or northd lost its
 *   database, which includes a connection dropped during COMMIT.
 * - INTERNAL, UNKNOWN, DATA_LOSS: a fault anywhere, also after the commit (grpc-js says INTERNAL
 *   for a response it cannot parse).
 * - RESOURCE_EXHAUSTED: northd's quota and rate limits are definite, but grpc-js also says it
 *   for a response too large to receive, after the server did the work.
 */
const DEFINITE: ReadonlySet<number> = new Set([
  Status.INVALID_ARGUMENT,
  Status.NOT_FOUND,
  Status.ALREADY_EXISTS,
  Status.PERMISSION_DENIED,
  Status.UNAUTHENTICATED,
  Status.FAILED_PRECONDITION,
  Status.OUT_OF_RANGE,
  Status.UNIMPLEMENTED,
  // A transaction that aborted (a conflict) rolled back.
  Status.ABORTED,
]);

/** The outcome of a call that threw `err`, and the code name recorded with it. */
export function outcomeOf(err: unknown): { outcome: Outcome; code: string } {
  const { code } = RpcError.from(err);
  const name = (Status[code] as string | undefined) ?? String(code);
  return { outcome: DEFINITE.has(code) ? 'failed' : 'indeterminate', code: name };
}
