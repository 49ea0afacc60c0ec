// Failover of the MariaDB primary under a running write load: kill -9 of the primary, promotion
// of its semi-synchronous replica as docs/runbooks/mysql-primary-failover.md says, every northd
// restarted on the promoted server; then the history checker and the
// zero-diff audit (see under-load.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promotionSteps, replicatedMariadb, type ReplicatedMariadb } from '@vpcd/db/testing';
import { createConnection } from 'mysql2/promise';
import { startRegion, type Region } from '../region/local-region.js';
import { underLoad } from './under-load.js';

const chassisIds = ['hv1', 'hv2'];
const runbook = new URL('../../../docs/runbooks/mysql-primary-failover.md', import.meta.url);

// vpcd's own user, as in production: privileges on its database only, so the replica's
// read_only applies to it (root's READ_ONLY ADMIN would write through it).
const vpcdUser = { name: 'vpcd', password: 'vpcd-chaos-password' };
const vpcdUrl = (port: number) =>
  `mysql://${vpcdUser.name}:${vpcdUser.password}@127.0.0.1:${port}/vpcd`;

describe('MariaDB primary failover', () => {
  let pair: ReplicatedMariadb;
  let region: Region;

  before(async () => {
    pair = await replicatedMariadb();
    // Created on the primary before northd migrates: the replica gets all of it by replication.
    const admin = await createConnection(pair.primary.url);
    try {
      await admin.query('CREATE DATABASE vpcd');
      await admin.query("CREATE USER ?@'127.0.0.1' IDENTIFIED BY ?", [
        vpcdUser.name,
        vpcdUser.password,
      ]);
      await admin.query("GRANT ALL PRIVILEGES ON vpcd.* TO ?@'127.0.0.1'", [vpcdUser.name]);
    } finally {
      await admin.end();
    }
    region = await startRegion({
      runDir: mkdtempSync(join(tmpdir(), 'vpcd-db-failover-')),
      northds: 2,
      southds: 2,
      database: {
        url: vpcdUrl(pair.primary.port),
        database: 'vpcd',
        drop: () => Promise.resolve(),
      },
      chassis: chassisIds.map((id, i) => ({
        id,
        underlayIp: `192.0.2.${i + 1}`,
        datapath: 'memory' as const,
      })),
    });
  });
  after(async () => {
    await region?.stop();
    await pair?.destroy();
  });

  // underLoad waits until writes succeed again: a failover that never works fails by the timeout.
  it(
    'kill -9 of the primary, its semi-synchronous replica promoted and northd pointed at it: no acknowledged write is lost',
    { timeout: 180_000 },
    async () => {
      const { retried } = await underLoad(
        region,
        'primary-failover',
        chassisIds,
        async () => {
          // The writes so far waited for the replica's acknowledgement: replication is not async.
          const status = await pair.semiSyncStatus();
          assert.equal(status.on, true, 'Rpl_semi_sync_master_status');
          assert.equal(status.clients, 1, 'Rpl_semi_sync_master_clients');
          assert.equal(status.unacknowledgedCommits, 0, 'Rpl_semi_sync_master_no_tx');
          assert.ok(status.acknowledgedCommits > 0, 'Rpl_semi_sync_master_yes_tx');

          await pair.stopPrimary();
          await pair.promoteReplica();
          // A rolling restart with the new MYSQL_URL, each northd on the port clients already use.
          for (const [i, northd] of region.northds.entries()) {
            await northd.stop();
            await region.startNorthd(i, {
              MYSQL_URL: vpcdUrl(pair.replica.port),
              GRPC_LISTEN: `127.0.0.1:${northd.grpcPort}`,
            });
          }
        },
        { mysqlUrl: () => vpcdUrl(pair.replica.port) },
      );
      // The load felt the primary go: the audit above judged the writes on the promoted replica.
      assert.ok(
        [...retried.values()].reduce((a, b) => a + b, 0) > 0,
        'the load saw the primary go away',
      );
    },
  );

  it('the runbook gives exactly the promotion statements this test runs, in order', () => {
    const text = readFileSync(runbook, 'utf8');
    const block = /```sql\n([\s\S]*?)```/.exec(text)?.[1];
    assert.ok(block, 'the runbook has an sql block');
    const written = block
      .split('\n')
      .filter((line) => !line.startsWith('--'))
      .join(' ')
      .split(/;|\\G/)
      .map((statement) => statement.trim())
      .filter(Boolean);
    // An operator types the position promoteReplica() binds to `?`.
    const run = promotionSteps.map((step) => step.sql.replace('?', "'<Gtid_IO_Pos>'"));
    assert.deepEqual(written, run);
  });
});
