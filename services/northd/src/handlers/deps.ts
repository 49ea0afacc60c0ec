import type { Database } from '@vpcd/db';
import type { ResyncThrottle } from '../resync/resync-throttle.js';
import type { HeartbeatBatcher } from '../store/heartbeat-batcher.js';
import type { IpPool } from '../store/ip-pool.js';
import type { VniPool } from '../store/vni-pool.js';
import type { QuotaStore } from '../store/quotas.js';
import type { Cidr } from '../validation/ipv4.js';
import type { Idempotent } from './idempotent.js';

/** What the handlers need; built once by createNorthd. */
export interface HandlerDeps {
  /** API reads: single statements on a pool that no write transaction holds. */
  readonly db: Database;
  /** Runs an API write in one transaction, on the pool of API writes. */
  readonly idempotent: Idempotent;
  /** What chassis ask and report, on a pool of its own so that a fleet does not crowd the API. */
  readonly chassis: {
    readonly db: Database;
    readonly idempotent: Idempotent;
    readonly heartbeats: HeartbeatBatcher;
    /** Admits RegisterChassis and SyncInitialChassis, or refuses them with a retry time. */
    readonly resync: ResyncThrottle;
  };
  readonly privateRanges: readonly Cidr[];
  /** Where new VPCs' VNIs come from. */
  readonly vnis: VniPool;
  /** Where interfaces' addresses come from: each VPC's free list. */
  readonly ips: IpPool;
  /** Per-project quotas, with northd's defaults. */
  readonly quotas: QuotaStore;
  /** Whether hvflowd-fleet service tokens may be issued (ALLOW_FLEET_IDENTITIES). */
  readonly allowFleetIdentities: boolean;
  /** The most ports a chassis' state may hold (CHASSIS_MAX_STATE_PORTS). */
  readonly chassisMaxStatePorts: number;
  /**
   * Tells the owners of these chassis (the ones a committed write changed) to converge them now;
   * undefined when the write cannot name them, which makes every northd look at all it owns.
   * Never throws.
   */
  readonly changed: (chassisIds?: readonly string[]) => void;
  /** Drops a revoked token from every northd's cache; rejects when not every one was told. */
  readonly tokenRevoked: (tokenId: string) => Promise<void>;
}
