import { backoffDelayMs } from '@vpcd/backoff';
import { isDbError } from './db-error.js';

const deadlockErrno = 1213; // ER_LOCK_DEADLOCK: the server rolled the whole transaction back
const lockWaitTimeoutErrno = 1205; // ER_LOCK_WAIT_TIMEOUT: waited innodb_lock_wait_timeout

/**
 * Whether transaction() runs its callback again after `err`: only for lock contention, where the
 * server guarantees nothing was committed and a fresh attempt usually gets the locks. A lost
 * connection is not retried here: a COMMIT lost in flight may have committed. The error may be
 * the callback's own, wrapping a DbError as its cause.
 */
export function isRetryableTransactionError(err: unknown): boolean {
  for (let e = err, depth = 0; e !== undefined && depth < 8; depth++) {
    if (isDbError(e)) return e.errno === deadlockErrno || e.errno === lockWaitTimeoutErrno;
    e = typeof e === 'object' && e !== null ? (e as { cause?: unknown }).cause : undefined;
  }
  return false;
}

/** Delay before attempt `retry` (1, 2, ...): 10 ms doubling to at most 200 ms, +/- 50% jitter. */
export function retryDelayMs(retry: number): number {
  return backoffDelayMs(retry - 1, { initialDelayMs: 10, maxDelayMs: 200 }, 'centered');
}
