import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Database } from '@vpcd/db';
import { createLogger, createRegistry } from '@vpcd/observability';
import { migratedDatabase } from '../test-support.js';
import { LeaseManager } from './lease-manager.js';

describe('LeaseManager', () => {
  const database = migratedDatabase();
  let db: Database;
  before(() => {
    db = database.db;
  });

  it(
    'claims a dead instance’s lease as it lapses, without waiting for its next renewal',
    { timeout: 30_000 },
    async () => {
      // The other instance is a member still (its membership outlives this test), but stopped
      // renewing its chassis' lease, which lapses in 300 ms.
      await db.execute(
        `INSERT INTO northd_members (id, expires_at) VALUES ('northd-dead', NOW(3) + INTERVAL 1 HOUR)`,
      );
      await db.execute(
        `INSERT INTO chassis (id, hostname, underlay_ip, hvflowd_addr)
         VALUES ('hv-lapsing', 'h', '192.0.2.1', '127.0.0.1:1')`,
      );
      await db.execute(
        `INSERT INTO chassis_leases (chassis_id, owner, epoch, expires_at)
         VALUES ('hv-lapsing', 'northd-dead', 7, NOW(3) + INTERVAL 300000 MICROSECOND)`,
      );
      let changed: () => void = () => undefined;
      const claimed = new Promise<void>((resolve) => (changed = resolve));
      const manager = new LeaseManager({
        db,
        logger: createLogger({ name: 'test', level: 'silent' }),
        registry: createRegistry({ service: 'test', collectDefault: false }),
        northdId: 'northd-live',
        leaseTtlMs: 3_600_000,
        // Renewals an hour apart: only the wake-up at the lapse can claim within the test.
        renewIntervalMs: 3_600_000,
        onChange: () => changed(),
      });
      manager.start();
      try {
        await claimed;
        assert.equal(manager.ownedChassis().get('hv-lapsing'), 8, 'claimed at the next epoch');
      } finally {
        await manager.stop();
      }
    },
  );
});
