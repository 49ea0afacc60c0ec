import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChassisState } from '@vpcd/api';
import { hasCode, Status } from '@vpcd/rpc';
import { metricValue } from '@vpcd/observability/testing';
import { fleetChassisId, fleetUnderlayIp } from './config.js';
import { FLEET_SYNC_CONCURRENCY } from './server.js';
import { startFakeNorthd, type FakeNorthd } from './test-support/fake-northd.js';
import {
  eventually,
  forChassis,
  startTestHvflowd,
  type TestHvflowd,
} from './test-support/test-hvflowd.js';

const SIZE = 200;
const ids = Array.from({ length: SIZE }, (_, i) => fleetChassisId('sim', i, SIZE));

/** Chassis i: one interface of its VPC here, one on chassis i+1. */
function fleetState(i: number, generation: number, extraPort = false): ChassisState {
  const vpc = { vpcId: `vpc-${i}`, vni: 1000 + i, cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1' };
  const local = {
    interfaceId: `if-${i}`,
    vpcId: vpc.vpcId,
    name: 'vm',
    ip: '10.0.0.10',
    mac: '02:00:00:00:00:10',
  };
  const extra = {
    interfaceId: `if-${i}-b`,
    vpcId: vpc.vpcId,
    name: 'vm-b',
    ip: '10.0.0.12',
    mac: '02:00:00:00:00:12',
  };
  return {
    chassisId: ids[i]!,
    epoch: 1,
    generation,
    changes: [],
    vpcs: [vpc],
    ports: extraPort ? [local, extra] : [local],
    remotePorts: [
      {
        interfaceId: `if-${i}-r`,
        vpcId: vpc.vpcId,
        ip: '10.0.0.11',
        mac: '02:00:00:00:00:11',
        chassisId: ids[(i + 1) % SIZE]!,
        underlayIp: fleetUnderlayIp((i + 1) % SIZE),
      },
    ],
  };
}

describe(`fleet mode: ${SIZE} simulated chassis in one process`, () => {
  let northd: FakeNorthd;
  let hvflowd: TestHvflowd;

  before(async () => {
    northd = await startFakeNorthd((id) => {
      const i = ids.indexOf(id);
      return i < 0 ? undefined : fleetState(i, 1);
    });
    // Slow registrations show how many chassis the fleet lets sync at once.
    northd.registerDelayMs = 20;
    hvflowd = await startTestHvflowd({
      NORTHD_ADDR: northd.address,
      SIMULATE_CHASSIS: String(SIZE),
      HEARTBEAT_INTERVAL_MS: '1000',
    });
    await hvflowd.synced();
  });

  after(async () => {
    await hvflowd?.stop();
    await northd?.stop();
  });

  it('registers every chassis with its own name and underlay, and the fleet address', async () => {
    assert.deepEqual(northd.registered.map((r) => r.chassisId).sort(), ids);
    assert.deepEqual(
      new Set(northd.registered.map((r) => r.underlayIp)),
      new Set(ids.map((_, i) => fleetUnderlayIp(i))),
    );
    assert.ok(northd.registered.every((r) => r.hvflowdAddr === hvflowd.hvflowd.address));
    assert.equal(hvflowd.hvflowd.address, `127.0.0.1:${hvflowd.hvflowd.grpcPort}`);
    assert.equal(new Set(northd.synced).size, SIZE);
    assert.equal((await fetch(`${hvflowd.metricsUrl}/readyz`)).status, 200);
  });

  it(`syncs at most ${FLEET_SYNC_CONCURRENCY} chassis at once`, async () => {
    assert.ok(northd.maxConcurrentRegisters <= FLEET_SYNC_CONCURRENCY);
    assert.ok(northd.maxConcurrentRegisters > 1);
    assert.equal(
      await metricValue(hvflowd.registry, 'hvflowd_sync_capacity'),
      FLEET_SYNC_CONCURRENCY,
    );
  });

  it('heartbeats every chassis with its applied generation and hash', async () => {
    const hashes = new Map<string, string>();
    await eventually('a heartbeat of every chassis', () => {
      for (const beat of northd.heartbeats) {
        if (beat.appliedGeneration === 1 && beat.stateHash !== '')
          hashes.set(beat.chassisId, beat.stateHash);
      }
      return hashes.size === SIZE ? true : undefined;
    });
    const sample = await hvflowd.client.getChassisState({}, forChassis(ids[7]!));
    assert.equal(hashes.get(ids[7]!), sample.stateHash);
  });

  it('routes ApplyChassisState by the chassis id of the state', async () => {
    const answer = await hvflowd.client.applyChassisState({ state: fleetState(42, 2, true) });
    assert.equal(answer.appliedGeneration, 2);
    assert.ok(answer.flowsAdded > 0);
    const target = await hvflowd.client.getChassisState({}, forChassis(ids[42]!));
    const neighbour = await hvflowd.client.getChassisState({}, forChassis(ids[43]!));
    assert.deepEqual([target.chassisId, target.generation], [ids[42], 2]);
    assert.deepEqual([neighbour.chassisId, neighbour.generation], [ids[43], 1]);
    assert.equal(target.stateHash, answer.stateHash);
    assert.ok(target.flows.some((f) => f.includes('10.0.0.12')));
    assert.ok(!neighbour.flows.some((f) => f.includes('10.0.0.12')));
  });

  it('answers NOT_FOUND for a chassis it does not simulate', async () => {
    const state = { ...fleetState(1, 5), chassisId: 'sim-9999' };
    await assert.rejects(hvflowd.client.applyChassisState({ state }), (err: unknown) =>
      hasCode(err, Status.NOT_FOUND),
    );
    await assert.rejects(
      hvflowd.client.getChassisState({}, forChassis('other-0001')),
      (err: unknown) => hasCode(err, Status.NOT_FOUND),
    );
  });

  it('asks which chassis a GetChassisState is for', async () => {
    await assert.rejects(hvflowd.client.getChassisState({}), (err: unknown) =>
      hasCode(err, Status.INVALID_ARGUMENT),
    );
  });
});
