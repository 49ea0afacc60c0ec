import { createHash } from 'node:crypto';
import { isDbError, type Queryable } from '@vpcd/db';
import { invalidArgument } from '@vpcd/rpc';

/**
 * Idempotency records: the answer to each (caller scope, request_id), written in the same
 * transaction as the change it answers, so a retry after any failure finds either nothing (the
 * change did not happen) or the answer (it did).
 */
export class RequestLog {
  /**
   * Claims the request id inside `tx`. Resolves the stored answer when the same request already
   * ran; throws INVALID_ARGUMENT when the id was used for a different request. A concurrent twin
   * blocks on the row until the first commits, then finds its answer.
   */
  async claim(
    tx: Queryable,
    key: { scope: string; requestId: string; method: string },
    request: Uint8Array,
  ): Promise<Buffer | undefined> {
    const hash = createHash('sha256').update(key.method).update(request).digest();
    try {
      await tx.execute(
        'INSERT INTO request_log (scope, request_id, method, request_hash) VALUES (?, ?, ?, ?)',
        [key.scope, key.requestId, key.method, hash],
      );
      return undefined;
    } catch (err) {
      if (!isDbError(err) || err.kind !== 'duplicate') throw err;
    }
    const [prior] = await tx.query<{
      method: string;
      request_hash: Buffer;
      response: Buffer | null;
    }>(
      'SELECT method, request_hash, response FROM request_log WHERE scope = ? AND request_id = ?',
      [key.scope, key.requestId],
    );
    if (
      !prior ||
      prior.method !== key.method ||
      !hash.equals(prior.request_hash) ||
      !prior.response
    ) {
      throw invalidArgument([
        {
          field: 'request_id',
          description: `${key.requestId} was already used for a different request`,
        },
      ]);
    }
    return prior.response;
  }

  async complete(
    tx: Queryable,
    key: { scope: string; requestId: string },
    response: Uint8Array,
  ): Promise<void> {
    await tx.execute('UPDATE request_log SET response = ? WHERE scope = ? AND request_id = ?', [
      Buffer.from(response),
      key.scope,
      key.requestId,
    ]);
  }

  /** Forgets answers older than `maxAgeMs`; retries come within minutes, not days. */
  async prune(db: Queryable, maxAgeMs: number): Promise<number> {
    const { affectedRows } = await db.execute(
      'DELETE FROM request_log WHERE create_time < NOW(3) - INTERVAL ? SECOND LIMIT 10000',
      [Math.ceil(maxAgeMs / 1000)],
    );
    return affectedRows;
  }
}
