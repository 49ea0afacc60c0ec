// A resync storm on a real region (mutual TLS, 2 northd, southd, a fleet process on the memory
// datapath): every chassis of the fleet restarts at once while the fleet's northd is killed and
// started again, with the resync throttle set low so that it must engage.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fleetChassisIds, spawnFleet } from '../bench/region/fleet-process.js';
import { northdClients, type NorthdClients } from '@vpcd/rpc';
import { listAllChassis } from '../bench/region/region-chassis.js';
import {
  runResyncStorm,
  scrapeSum,
  waitFleetConverged,
  type StormResult,
} from '../bench/resync/resync-storm.js';
import { startRegion, type Region } from '../region/local-region.js';
import type { ServiceProcess } from '../region/service-process.js';

const fleetSize = 200;
// Far below what 200 chassis ask at once (the fleet runs 16 register-and-syncs at a time).
const throttleEnv = { RESYNC_RATE_PER_S: '60', RESYNC_BURST: '10', RESYNC_MAX_IN_FLIGHT: '2' };

describe(`a resync storm of ${fleetSize} chassis, with the fleet's northd restarted`, () => {
  let region: Region;
  let api: NorthdClients;
  let fleet: ServiceProcess | undefined;
  let storm: StormResult;
  const runDir = mkdtempSync(join(tmpdir(), 'vpcd-resync-storm-'));

  before(async () => {
    region = await startRegion({
      runDir,
      southds: 1,
      northdEnv: throttleEnv,
      fleetIdentities: true,
    });
    // The probe and the watch read from northd 1; the fleet talks to northd 0, which restarts.
    api = northdClients({
      address: `127.0.0.1:${region.northds[1]!.grpcPort}`,
      bearerToken: region.adminToken,
      tls: region.clientTls,
    });
    const project = await api.projects.createProject({ name: 'storm', requestId: '' });
    const vpc = await api.vpcs.createVpc({
      name: 'probe',
      cidr: '10.0.0.0/16',
      projectId: project.id,
      requestId: '',
    });
    fleet = await spawnFleet(region, { size: fleetSize, runDir });
    await waitFleetConverged(api, fleetSize, 120_000);
    storm = await runResyncStorm({
      region,
      runDir,
      fleet,
      fleetSize,
      api,
      probeVpcId: vpc.id,
      probeConcurrency: 2,
      restartNorthd: true,
      timeoutMs: 120_000,
    });
    fleet = storm.fleet;
  });
  after(async () => {
    api?.close();
    await fleet?.stop();
    await region?.stop();
  });

  it('converges every chassis again, each owned and at its desired generation', async () => {
    const listing = await listAllChassis(api);
    const fleetIds = new Set(fleetChassisIds(fleetSize));
    const mine = listing.filter((c) => fleetIds.has(c.id));
    assert.equal(mine.length, fleetSize);
    const behind = mine.filter(
      (c) =>
        c.owner === '' || c.appliedGeneration === 0 || c.appliedGeneration < c.desiredGeneration,
    );
    assert.deepEqual(behind, []);
    assert.ok(storm.northdKilledMs !== undefined, 'the fleet lost its northd mid-storm');
  });

  it('throttled the resync, and the agents followed the pushback', async () => {
    assert.ok(storm.throttled > 0, `northd refused ${storm.throttled} calls`);
    assert.ok(storm.pushbacks > 0, `the fleet retried ${storm.pushbacks} calls on pushback`);
    // The restarted northd exports its throttle's saturation against its configured capacity.
    assert.equal(await scrapeSum(region.northds[0]!, 'northd_resync_capacity'), 2);
  });

  it('answered every API read made during the storm', () => {
    assert.deepEqual(storm.probe.failures, []);
    assert.ok(storm.probe.latencies.count > 0);
  });
});
