import type { Database, Queryable } from '@vpcd/db';
import { requestScope } from '../auth/principal.js';
import { RequestLog } from '../store/request-log.js';

interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
}

export type Idempotent = <T>(
  method: string,
  requestId: string,
  request: Uint8Array,
  codec: Codec<T>,
  work: (tx: Queryable) => Promise<T>,
) => Promise<T>;

/**
 * Runs a write in one transaction; with a request_id, a retry of the same request returns the
 * first answer and a different request under the same id is refused.
 */
export function idempotentWriter(db: Database, log = new RequestLog()): Idempotent {
  return (method, requestId, request, codec, work) =>
    db.transaction(async (tx) => {
      if (requestId === '') return work(tx);
      const key = { scope: requestScope(), requestId, method };
      const prior = await log.claim(tx, key, request);
      if (prior) return codec.decode(prior);
      const result = await work(tx);
      await log.complete(tx, key, codec.encode(result).finish());
      return result;
    });
}
