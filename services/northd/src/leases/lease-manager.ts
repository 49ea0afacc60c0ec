import type { Database, Queryable } from '@vpcd/db';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { leaseMetrics, type LeaseMetrics } from './lease-metrics.js';
import { leaseStore } from './lease-store.js';

export interface LeaseManagerOptions {
  readonly db: Database;
  readonly logger: Logger;
  readonly registry: Registry;
  /** This instance's NORTHD_ID. */
  readonly northdId: string;
  readonly leaseTtlMs: number;
  /** Default a third of the TTL: two renewals may fail before a lease lapses. */
  readonly renewIntervalMs?: number;
  /** Called when the set of owned chassis changed. */
  readonly onChange?: () => void;
}

/**
 * Holds this instance's chassis leases. Each tick, in one transaction: refresh membership,
 * renew every owned lease in one statement, release what is above the fair share
 * (ceil(chassis / live members)), claim unowned chassis up to it and every lapsed one (a dead
 * instance's), each claim bumping the epoch (the fencing token). A lease counts as held locally
 * only until the renewal's start + TTL - margin, so a stalled instance stops before another can
 * claim; released chassis are dropped locally before the release commits.
 */
export class LeaseManager {
  private owned = new Map<string, number>();
  /** On the monotonic clock (performance.now()). */
  private validUntilMs = 0;
  /** How many times the leases held here were dropped; a tick that saw one keeps none. */
  private drops = 0;
  /** When the next tick runs: the renewal interval, or sooner when another's lease lapses. */
  private nextTickMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly metrics: LeaseMetrics;
  private readonly renewIntervalMs: number;
  private readonly marginMs: number;

  constructor(private readonly options: LeaseManagerOptions) {
    this.metrics = leaseMetrics(options.registry);
    this.renewIntervalMs =
      options.renewIntervalMs ?? Math.max(50, Math.floor(options.leaseTtlMs / 3));
    this.marginMs = Math.min(1000, Math.floor(options.leaseTtlMs / 10));
    this.nextTickMs = this.renewIntervalMs;
  }

  /** Chassis id -> epoch of every lease this instance may act on now. */
  ownedChassis(): ReadonlyMap<string, number> {
    if (performance.now() >= this.validUntilMs && this.owned.size > 0) {
      this.drop('lease validity lapsed');
    }
    return this.owned;
  }

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.tick().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.timer = setTimeout(loop, this.nextTickMs);
      });
    };
    loop();
  }

  /** Stops renewing and hands every lease back at once, so survivors need not wait for expiry. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    this.drop('stopping');
    try {
      await this.options.db.transaction((tx) => leaseStore.leave(tx, this.options.northdId));
    } catch (err) {
      this.options.logger.warn({ err }, 'could not hand leases back; they will expire');
    }
  }

  /** One renewal round; exported for tests that drive time themselves. */
  async tick(): Promise<void> {
    // The monotonic clock: a wall clock stepped back (NTP, an operator) must not stretch how
    // long a lease counts as held here, nor one stepped forward cut it short. Expiry itself is
    // the database's NOW(3) alone.
    const startedMs = performance.now();
    // Leases this instance stopped acting on (its first tick, a lapse of local validity) are
    // taken again at a new epoch, never renewed at the old one: what it remembered under the
    // old epoch (the converge chains: which revision each chassis holds) is gone, and a chain
    // must never start over within an epoch, as a chassis would take its first full state for
    // a duplicate of one it applied.
    const reclaim = startedMs >= this.validUntilMs;
    const dropsBefore = this.drops;
    try {
      const { owned, foreignLapseMs } = await this.options.db.transaction((tx) =>
        this.renew(tx, reclaim),
      );
      if (this.stopped) return;
      if (this.drops !== dropsBefore && !reclaim) {
        // Dropped while this renewal ran: act on none of them; the next tick reclaims.
        this.validUntilMs = 0;
        this.nextTickMs = lapseSlackMs;
        return;
      }
      // A dead instance's leases are claimed as they lapse, not up to a renewal interval later:
      // failover is bounded by the TTL, not TTL + interval.
      this.nextTickMs =
        foreignLapseMs === undefined
          ? this.renewIntervalMs
          : Math.min(this.renewIntervalMs, Math.max(lapseSlackMs, foreignLapseMs + lapseSlackMs));
      const changed = !sameKeys(owned, this.owned);
      this.owned = owned;
      this.validUntilMs = startedMs + this.options.leaseTtlMs - this.marginMs;
      this.metrics.owned.set(owned.size);
      this.metrics.renewals.inc({ outcome: 'ok' });
      if (changed) this.options.onChange?.();
    } catch (err) {
      this.metrics.renewals.inc({ outcome: 'error' });
      this.options.logger.warn({ err }, 'lease renewal failed');
    }
  }

  private async renew(
    tx: Queryable,
    reclaim: boolean,
  ): Promise<{ owned: Map<string, number>; foreignLapseMs: number | undefined }> {
    const { northdId, leaseTtlMs } = this.options;
    await leaseStore.join(tx, northdId, leaseTtlMs);
    if (reclaim) await leaseStore.reclaim(tx, northdId, leaseTtlMs);
    else await leaseStore.renew(tx, northdId, leaseTtlMs);
    const counts = await leaseStore.counts(tx, northdId);
    const members = Math.max(1, counts.members);
    const fairShare = Math.ceil(counts.total / members);
    this.metrics.members.set(members);
    if (counts.mine > fairShare) {
      const ids = [...this.owned.keys()].sort().slice(-(counts.mine - fairShare));
      for (const id of ids) this.owned.delete(id); // stop acting on them before the release commits
      this.metrics.releases.inc(await leaseStore.release(tx, northdId, ids));
    } else {
      this.metrics.claims.inc(
        await leaseStore.claim(tx, northdId, fairShare - counts.mine, leaseTtlMs),
      );
    }
    // foreignLapseUs is on the database's clock, so no clock skew between hosts matters.
    const lapseUs = counts.foreignLapseUs;
    return {
      owned: await leaseStore.owned(tx, northdId),
      foreignLapseMs: lapseUs === null ? undefined : lapseUs / 1000,
    };
  }

  private drop(reason: string): void {
    if (this.owned.size === 0) return;
    this.options.logger.warn({ reason, chassis: this.owned.size }, 'dropping chassis leases');
    this.drops++;
    this.owned = new Map();
    this.metrics.owned.set(0);
    this.options.onChange?.();
  }
}

/** A tick meant for a lapse runs this long after it, so the lease has lapsed by then. */
const lapseSlackMs = 20;

function sameKeys(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}
