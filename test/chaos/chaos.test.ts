// Chaos under a running write load; every case ends with the history checker and the zero-diff
// audit (see under-load.ts).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChassisServiceClient } from '@vpcd/api';
import { createDatabase, type Database } from '@vpcd/db';
import { createLogger, createRegistry } from '@vpcd/observability';
import { chassisProgress } from '@vpcd/northd/testing';
import { createClient } from '@vpcd/rpc';
import { parsePromText, sumOf } from '../bench/common/prom-text.js';
import { startRegion, type Region } from '../region/local-region.js';
import type { ServiceProcess } from '../region/service-process.js';
import { underLoad as runUnderLoad, type UnderLoadOptions } from './under-load.js';

const leaseTtlMs = 3000;
const chassisIds = ['hv1', 'hv2', 'hv3'];

describe('chaos', () => {
  let region: Region;
  let db: Database;
  const base = () => ({
    logger: createLogger({ name: 'chaos', level: 'silent' }),
    registry: createRegistry({ service: 'chaos', collectDefault: false }),
  });

  before(async () => {
    region = await startRegion({
      runDir: mkdtempSync(join(tmpdir(), 'vpcd-chaos-')),
      leaseTtlMs,
      chassis: chassisIds.map((id, i) => ({
        id,
        underlayIp: `192.0.2.${i + 1}`,
        datapath: 'memory' as const,
      })),
    });
    db = createDatabase({ url: region.mysqlUrl, ...base() });
    const chassis = createClient(ChassisServiceClient, {
      ...base(),
      address: region.northdAddr,
      bearerToken: region.adminToken,
      tls: region.clientTls,
    });
    for (const id of chassisIds) {
      for (let i = 0; ; i++) {
        const ok = await chassis.getChassis({ id }).then(
          () => true,
          () => false,
        );
        if (ok) break;
        assert.ok(i < 600, `${id} never registered`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    chassis.close();
  });
  after(async () => {
    await db?.close();
    await region?.stop();
  });

  const underLoad = (name: string, chaos: () => Promise<void>, options?: UnderLoadOptions) =>
    runUnderLoad(region, name, chassisIds, chaos, options);

  const owners = async () => {
    const rows = await db.query<{ owner: string | null; n: number }>(
      'SELECT owner, COUNT(*) AS n FROM chassis_leases WHERE expires_at > NOW(3) GROUP BY owner',
    );
    return new Map(rows.map((r) => [r.owner ?? '', Number(r.n)]));
  };

  it('kill -9 of a northd mid-converge: the survivor owns its chassis within lease TTL + 2 s', async () => {
    await underLoad('kill-northd', async () => {
      const victim = region.northds[1]!;
      const killedAt = Date.now();
      await victim.stop('SIGKILL');
      for (;;) {
        const o = await owners();
        if ((o.get('northd-0') ?? 0) === chassisIds.length) break;
        assert.ok(
          Date.now() - killedAt <= leaseTtlMs + 2000,
          `failover took over ${leaseTtlMs + 2000} ms`,
        );
        await new Promise((r) => setTimeout(r, 50));
      }
      await region.startNorthd(1);
    });
  });

  it('SIGSTOP of a northd past its lease, then SIGCONT: its late work is fenced by the epoch', async () => {
    await underLoad('stop-northd', async () => {
      const o = await owners();
      const victimIndex = (o.get('northd-1') ?? 0) > 0 ? 1 : 0;
      const victim = region.northds[victimIndex]!;
      const victimId = `northd-${victimIndex}`;
      const [epochsBefore] = [
        await db.query<{ id: string; epoch: number }>(
          'SELECT chassis_id AS id, epoch FROM chassis_leases WHERE owner = ?',
          [victimId],
        ),
      ];
      victim.child.kill('SIGSTOP');
      try {
        const survivor = `northd-${1 - victimIndex}`;
        for (let i = 0; (await owners()).get(survivor) !== chassisIds.length; i++) {
          assert.ok(i < 400, 'the survivor never took over');
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        victim.child.kill('SIGCONT');
      }
      const after = await db.query<{ id: string; epoch: number }>(
        'SELECT chassis_id AS id, epoch FROM chassis_leases',
      );
      for (const b of epochsBefore) {
        const a = after.find((x) => x.id === b.id)!;
        assert.ok(Number(a.epoch) > Number(b.epoch), `${b.id}: the claim bumped the epoch`);
      }
    });
  });

  const killSouthds = async () => {
    await Promise.all(region.southds.map((s) => s.stop('SIGKILL')));
    await new Promise((r) => setTimeout(r, 500)); // work piles up in the queue meanwhile
    await region.startSouthd(0);
    await region.startSouthd(1);
  };

  it('kill of a southd with messages in flight: the queue holds them and a restart drains them', async () => {
    await underLoad('kill-southd', killSouthds);
  });

  it('kill of a southd while chassis leave the VPC and join it again: no change is lost', async () => {
    // Every other write a delete: each chassis holds an interface or two of the VPC, and the
    // changes held up meanwhile take some out of it and back within one delta.
    await underLoad('kill-southd-churn', killSouthds, { deleteEvery: 2 });
  });

  /** hvflowd_heartbeats_total of an hvflowd by result, once `n` heartbeats were answered. */
  const answeredHeartbeats = async (hvflowd: ServiceProcess, n: number) => {
    for (let i = 0; ; i++) {
      const text = await (await fetch(`http://127.0.0.1:${hvflowd.metricsPort}/metrics`)).text();
      const samples = parsePromText(text);
      const count = (result: string) => sumOf(samples, 'hvflowd_heartbeats_total', { result });
      if (count('ok') + count('drift') >= n) return { ok: count('ok'), drift: count('drift') };
      assert.ok(i < 300, `${hvflowd.name} had fewer than ${n} heartbeats answered`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const generations = async (id: string) => {
    const row = (await chassisProgress(db, id)).find((c) => c.id === id)!;
    return { desired: row.desired, applied: row.applied, hash: row.stateHash };
  };

  it('kill of an hvflowd: on restart it resyncs and converges, and the restart is no drift', async () => {
    await underLoad('kill-hvflowd', async () => {
      // Back on another address (a rescheduled agent): it registers it, and the work in flight
      // to the old one is resent there.
      await region.hvflowds[0]!.stop('SIGKILL');
      await region.startHvflowd(0);
    });
    // Its bridge was rebuilt from scratch (the memory datapath numbers its ports anew): northd
    // compares what it reports from then on with the new bridge, not the one before the kill.
    assert.equal((await answeredHeartbeats(region.hvflowds[0]!, 2)).drift, 0);

    // Once more with nothing changing: the restart asks the owner for one full state, which
    // starts its chain of deltas anew; the chassis acknowledges it and reports no drift.
    let prior = await generations('hv1');
    for (let i = 0; prior.applied !== prior.desired; i++) {
      assert.ok(i < 200, 'hv1 never converged after the load');
      await new Promise((r) => setTimeout(r, 100));
      prior = await generations('hv1');
    }
    const { grpcPort } = region.hvflowds[0]!;
    await region.hvflowds[0]!.stop('SIGKILL');
    const restarted = await region.startHvflowd(0, { GRPC_LISTEN: `127.0.0.1:${grpcPort}` });
    assert.equal((await answeredHeartbeats(restarted, 2)).drift, 0, 'heartbeats with drift');
    let now = await generations('hv1');
    for (let i = 0; now.applied !== now.desired || now.applied <= prior.applied; i++) {
      assert.ok(i < 200, 'hv1 never acknowledged the full state its restart asked for');
      await new Promise((r) => setTimeout(r, 100));
      now = await generations('hv1');
    }
    assert.notEqual(now.hash, '', 'the full state after the restart recorded its hash');
  });
});
