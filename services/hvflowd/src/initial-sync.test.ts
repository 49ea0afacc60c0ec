// The chassis agent around a (re)start: its initial sync against converge work that raced it,
// and the hash its first heartbeats report, from which northd measures drift afterwards.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { stateHash } from '@vpcd/flows';
import { metricValue } from '@vpcd/observability/testing';
import { MemoryDatapath } from './datapath/memory-datapath.js';
import { startFakeNorthd, type FakeNorthd } from './test-support/fake-northd.js';
import { CHASSIS_ID, LOCAL_UNDERLAY, scenarioState } from './test-support/scenario.js';
import { eventually, startTestHvflowd, type TestHvflowd } from './test-support/test-hvflowd.js';

describe('the initial sync of a (re)starting chassis', () => {
  let northd: FakeNorthd | undefined;
  let hvflowd: TestHvflowd | undefined;
  const start = async () => {
    hvflowd = await startTestHvflowd({
      NORTHD_ADDR: northd!.address,
      CHASSIS_ID,
      UNDERLAY_IP: LOCAL_UNDERLAY,
      DATAPATH: 'memory',
    });
    return hvflowd;
  };

  afterEach(async () => {
    await hvflowd?.stop();
    await northd?.stop();
    hvflowd = northd = undefined;
  });

  it('takes a sync read before a lease claim, whose converge work came first, as done: no retry', async () => {
    // The database had no lease yet when the chassis read its state (epoch 0); the new owner's
    // work (epoch 1, same generation) reaches the chassis before the sync is applied.
    northd = await startFakeNorthd(() => scenarioState(0, 7));
    northd.available = false;
    const hv = await start();
    await eventually('a registration attempt', () =>
      northd!.refused.register > 0 ? true : undefined,
    );
    await hv.client.applyChassisState({ state: scenarioState(1, 7) });
    northd.available = true;
    await hv.synced();

    const failed = hv.logs.filter(
      (l) => l.msg === 'initial sync with northd failed; retrying' && l.step !== 'register',
    );
    assert.deepEqual(failed, []);
    const applied = hv.logs.find((l) => l.msg === 'initial sync applied');
    assert.deepEqual([applied?.epoch, applied?.generation, applied?.result], [0, 7, 'unchanged']);
    assert.equal(await metricValue(hv.registry, 'hvflowd_fenced_total'), 0);
    const got = await hv.client.getChassisState({});
    assert.deepEqual([got.epoch, got.generation], [1, 7]);
    // Work of the epoch the sync was read at stays fenced.
    await assert.rejects(hv.client.applyChassisState({ state: scenarioState(0, 8, true) }));
    assert.equal(await metricValue(hv.registry, 'hvflowd_fenced_total'), 1);
  });

  it('heartbeats the hash its sync left until northd answers, then the hash of the bridge', async () => {
    northd = await startFakeNorthd(() => scenarioState(1, 3));
    northd.refuseHeartbeats = true;
    const hv = await start();
    await hv.synced();
    await eventually('a refused heartbeat', () =>
      northd!.refused.heartbeat > 0 ? true : undefined,
    );
    const synced = (await hv.client.getChassisState({})).stateHash;
    // Someone changes the bridge before northd heard from the chassis.
    const datapath = hv.hvflowd.chassis.get(CHASSIS_ID)?.datapath;
    assert.ok(datapath instanceof MemoryDatapath);
    const [first] = await datapath.dumpFlows();
    await datapath.applyFlowMods({ add: [], remove: [first!] });
    const changed = stateHash(await datapath.dumpFlows());
    assert.notEqual(changed, synced);

    northd.refuseHeartbeats = false;
    const beats = await eventually('two heartbeats', () =>
      northd!.heartbeats.length >= 2 ? northd!.heartbeats.slice(0, 2) : undefined,
    );
    // The first sets what northd compares with; the second shows the change as drift.
    assert.deepEqual(
      beats.map((b) => [b.appliedGeneration, b.stateHash]),
      [
        [3, synced],
        [3, changed],
      ],
    );
  });
});
