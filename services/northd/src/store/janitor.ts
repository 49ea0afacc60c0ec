import type { Database } from '@vpcd/db';
import type { Logger } from 'pino';
import { leaseStore } from '../leases/lease-store.js';
import { RequestLog } from './request-log.js';

export interface JanitorOptions {
  readonly db: Database;
  readonly logger: Logger;
  /** Default 10 min. */
  readonly intervalMs?: number;
  /** Idempotency answers are kept this long; retries come within minutes. Default 24 h. */
  readonly requestLogMaxAgeMs?: number;
}

/**
 * Deletes what only grows: old idempotency records and members gone for an hour. Every
 * instance runs it; the deletes are bounded and idempotent, so running twice costs nothing.
 */
export function startJanitor(options: JanitorOptions): { stop(): void } {
  const log = new RequestLog();
  const maxAgeMs = options.requestLogMaxAgeMs ?? 24 * 3600_000;
  const sweep = async () => {
    try {
      const requests = await log.prune(options.db, maxAgeMs);
      const members = await leaseStore.pruneMembers(options.db);
      if (requests + members > 0) options.logger.info({ requests, members }, 'janitor swept');
    } catch (err) {
      options.logger.warn({ err }, 'janitor sweep failed; next round retries');
    }
  };
  const timer = setInterval(() => void sweep(), options.intervalMs ?? 600_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
