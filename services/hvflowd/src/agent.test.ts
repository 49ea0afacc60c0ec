import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, describe, it } from 'node:test';
import { contentHash } from '@vpcd/flows';
import { metricValue } from '@vpcd/observability/testing';
import { equalJitterDelayMs as retryDelayMs, maxPushbackMs, pushbackDelayMs } from '@vpcd/backoff';
import { concurrencyLimit } from './agent/concurrency-limit.js';
import { startFakeNorthd, type FakeNorthd } from './test-support/fake-northd.js';
import { scenarioState, CHASSIS_ID, LOCAL_UNDERLAY } from './test-support/scenario.js';
import {
  eventually,
  startTestHvflowd,
  TEST_TOKEN,
  type TestHvflowd,
} from './test-support/test-hvflowd.js';

describe('the chassis agent', () => {
  let northd: FakeNorthd;
  let hvflowd: TestHvflowd;
  const readyz = async () => (await fetch(`${hvflowd.metricsUrl}/readyz`)).status;

  after(async () => {
    await hvflowd?.stop();
    await northd?.stop();
  });

  it('retries with backoff until northd answers, then registers, syncs, applies and heartbeats', async () => {
    northd = await startFakeNorthd(() => scenarioState(4, 7));
    northd.available = false;
    hvflowd = await startTestHvflowd({
      NORTHD_ADDR: northd.address,
      CHASSIS_ID,
      UNDERLAY_IP: LOCAL_UNDERLAY,
      DATAPATH: 'memory',
    });
    await eventually('four refused attempts', () =>
      northd.refused.register >= 4 ? true : undefined,
    );
    assert.equal(await readyz(), 503);
    const retries = hvflowd.logs.filter(
      (l) => l.msg === 'initial sync with northd failed; retrying',
    );
    assert.ok(retries.length >= 4);
    for (const line of retries) {
      assert.deepEqual([line.level, line.code, line.step], [40, 'Unavailable', 'register']); // 40: warn
    }
    // Backoff: the delay before the fourth retry is above any the first could draw (50 ms).
    const delays = retries.map((l) => Number(l.delayMs));
    assert.ok(delays[3]! > 50 && delays[0]! <= 50, `delays ${delays.join(', ')}`);

    northd.available = true;
    await hvflowd.synced();
    assert.equal(await readyz(), 200);
    assert.deepEqual(northd.registered.at(-1), {
      chassisId: CHASSIS_ID,
      hostname: hostname(),
      underlayIp: LOCAL_UNDERLAY,
      hvflowdAddr: `127.0.0.1:${hvflowd.hvflowd.grpcPort}`,
      requestId: '',
    });
    assert.deepEqual(northd.synced, [CHASSIS_ID]);
    const applied = await hvflowd.client.getChassisState({});
    assert.deepEqual([applied.epoch, applied.generation], [4, 7]);
    const beat = await eventually('a heartbeat', () => northd.heartbeats[0]);
    assert.deepEqual(beat, {
      chassisId: CHASSIS_ID,
      appliedGeneration: 7,
      stateHash: applied.stateHash,
      appliedEpoch: 4,
      contentHash: contentHash(scenarioState(4, 7)),
    });
    assert.ok(northd.authorizations.every((a) => a === `Bearer ${TEST_TOKEN}`));
  });

  it('logs drift that northd reports and keeps heartbeating', async () => {
    northd.drifting.add(CHASSIS_ID);
    await eventually('a drift log line', () =>
      hvflowd.logs.find((l) => String(l.msg).startsWith('northd detected drift')),
    );
    northd.drifting.delete(CHASSIS_ID);
    const seen = northd.heartbeats.length;
    await eventually('more heartbeats', () =>
      northd.heartbeats.length > seen + 2 ? true : undefined,
    );
    assert.ok(
      (await metricValue(hvflowd.registry, 'hvflowd_heartbeats_total', { result: 'drift' }))! >= 1,
    );
    assert.ok(
      (await metricValue(hvflowd.registry, 'hvflowd_heartbeats_total', { result: 'ok' }))! >= 1,
    );
  });

  it('registers and syncs again when northd no longer knows the chassis', async () => {
    const registrations = northd.registered.length;
    northd.forgotten.add(CHASSIS_ID);
    await eventually('a second sync', () => (northd.synced.length === 2 ? true : undefined));
    assert.equal(northd.registered.length, registrations + 1);
    const seen = northd.heartbeats.length;
    await eventually('heartbeats again', () =>
      northd.heartbeats.length > seen ? true : undefined,
    );
    assert.equal(await readyz(), 200);
  });

  it('keeps heartbeating through northd outages, counting the failures', async () => {
    northd.available = false;
    await eventually('refused heartbeats', () =>
      northd.refused.heartbeat >= 2 ? true : undefined,
    );
    northd.available = true;
    const seen = northd.heartbeats.length;
    await eventually('heartbeats again', () =>
      northd.heartbeats.length > seen ? true : undefined,
    );
    assert.ok(
      (await metricValue(hvflowd.registry, 'hvflowd_heartbeats_total', { result: 'error' }))! >= 2,
    );
  });
});

describe('retry delays', () => {
  const policy = { initialDelayMs: 100, maxDelayMs: 1_000 };
  for (const [attempt, low, high] of [
    [0, 50, 100],
    [1, 100, 200],
    [3, 400, 800],
    [4, 500, 1_000],
    [40, 500, 1_000],
  ] as const) {
    it(`keeps retry ${attempt} within [${low}, ${high}] ms`, () => {
      assert.equal(
        retryDelayMs(attempt, policy, () => 0),
        low,
      );
      assert.equal(
        retryDelayMs(attempt, policy, () => 0.999_999),
        high - 1,
      );
    });
  }
});

describe("waits after northd's pushback", () => {
  const policy = { initialDelayMs: 200, maxDelayMs: 10_000 };
  for (const { desc, hintMs, low, high } of [
    {
      desc: 'never earlier than the hint, at most a quarter later',
      hintMs: 4_000,
      low: 4_000,
      high: 5_000,
    },
    {
      desc: 'half the first backoff delay for a hint of 0 (no tight loop)',
      hintMs: 0,
      low: 100,
      high: 125,
    },
    { desc: 'an absurd hint capped', hintMs: 1e9, low: maxPushbackMs, high: maxPushbackMs * 1.25 },
  ]) {
    it(desc, () => {
      assert.equal(
        pushbackDelayMs(hintMs, policy, () => 0),
        low,
      );
      assert.equal(
        pushbackDelayMs(hintMs, policy, () => 0.999_999),
        high - 1,
      );
    });
  }
});

describe('concurrencyLimit', () => {
  it('never runs more tasks at once than its capacity, and runs them all', async () => {
    const limit = concurrencyLimit(3);
    let running = 0;
    let most = 0;
    const done = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limit(async () => {
          running++;
          most = Math.max(most, running);
          await new Promise((resolve) => setImmediate(resolve));
          running--;
          return i;
        }),
      ),
    );
    assert.deepEqual(
      done,
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.equal(most, 3);
  });

  it('frees the slot of a task that fails', async () => {
    const limit = concurrencyLimit(1);
    await assert.rejects(
      limit(() => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(await limit(() => Promise.resolve('next')), 'next');
  });
});
