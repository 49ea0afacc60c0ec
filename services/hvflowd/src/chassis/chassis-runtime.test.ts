import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stateHash } from '@vpcd/flows';
import { createLogger, createRegistry, type Registry } from '@vpcd/observability';
import { metricValue } from '@vpcd/observability/testing';
import type { PortState } from '@vpcd/api';
import type { BoundPorts } from '../datapath/datapath.js';
import { MemoryDatapath } from '../datapath/memory-datapath.js';
import { scenarioState } from '../test-support/scenario.js';
import { hasApplyCode } from './apply-error.js';
import { ChassisRuntime } from './chassis-runtime.js';
import { createHvflowdMetrics } from './hvflowd-metrics.js';

function newRuntime(datapath = new MemoryDatapath()): {
  runtime: ChassisRuntime;
  registry: Registry;
} {
  const registry = createRegistry({ service: 'hvflowd', collectDefault: false });
  const runtime = new ChassisRuntime({
    chassisId: scenarioState(0, 0).chassisId,
    datapath,
    metrics: createHvflowdMetrics(registry),
    logger: createLogger({ name: 'test', level: 'silent' }),
  });
  return { runtime, registry };
}

const staleEpoch = (err: unknown) => hasApplyCode(err, 'stale-epoch');

describe('fencing: converge work against the initial sync', () => {
  it('refuses converge work of an epoch below the highest seen', async () => {
    const { runtime, registry } = newRuntime();
    await runtime.apply(scenarioState(2, 4));
    await assert.rejects(runtime.apply(scenarioState(1, 5, true)), staleEpoch);
    assert.equal(await metricValue(registry, 'hvflowd_fenced_total'), 1);
    assert.equal(runtime.applied.generation, 4);
  });

  it('takes an initial sync read before a lease claim, whose work came first, as done', async () => {
    const { runtime, registry } = newRuntime();
    const converged = await runtime.apply(scenarioState(1, 7));
    const synced = await runtime.applyInitialSync(scenarioState(0, 7));
    assert.deepEqual(
      [synced.result, synced.appliedGeneration, synced.stateHash],
      ['unchanged', 7, converged.stateHash],
    );
    assert.equal(await metricValue(registry, 'hvflowd_fenced_total'), 0);
    // The sync lowered no fence: work of the older epoch is still refused.
    await assert.rejects(runtime.apply(scenarioState(0, 8, true)), staleEpoch);
    assert.equal((await runtime.snapshot()).epoch, 1);
  });

  it('takes an initial sync of the epoch held as done: it is in no chain', async () => {
    const { runtime } = newRuntime();
    await runtime.apply(scenarioState(2, 4));
    const synced = await runtime.applyInitialSync(scenarioState(2, 0, true));
    assert.deepEqual([synced.result, synced.appliedGeneration], ['unchanged', 4]);
    const snapshot = await runtime.snapshot();
    assert.deepEqual([snapshot.epoch, snapshot.generation], [2, 4]);
  });

  it('fences converge work of the owners before the epoch an initial sync brings', async () => {
    const { runtime } = newRuntime();
    await runtime.applyInitialSync(scenarioState(3, 5));
    await assert.rejects(runtime.apply(scenarioState(2, 6, true)), staleEpoch);
    const next = await runtime.apply(scenarioState(3, 6, true));
    assert.deepEqual([next.result, next.appliedGeneration], ['applied', 6]);
  });

  it('refuses an initial sync of another chassis', async () => {
    const { runtime } = newRuntime();
    await assert.rejects(
      runtime.applyInitialSync({ ...scenarioState(1, 1), chassisId: 'hv-other' }),
      (err: unknown) => hasApplyCode(err, 'wrong-chassis'),
    );
  });
});

describe('one bad port costs only itself', () => {
  it("applies everyone else's ports, reporting and counting the one left out", async () => {
    const { runtime, registry } = newRuntime();
    const good = await runtime.apply(scenarioState(1, 1));
    const state = scenarioState(1, 2);
    const [bad, ...others] = state.ports;
    const withBad = { ...state, ports: [{ ...bad!, mac: '0e:00:00:00:00:2a' }, ...others] };
    const outcome = await runtime.apply(withBad);
    assert.equal(outcome.result, 'applied');
    assert.deepEqual(
      outcome.rejectedPorts.map((r) => [r.interfaceId, r.reason, r.remote]),
      [[bad!.interfaceId, 'gateway-mac', false]],
    );
    const flows = (await runtime.snapshot()).flows;
    assert.ok(!flows.some((f) => f.match.includes('0e:00:00:00:00:2a')));
    assert.ok(flows.length > 0 && outcome.stateHash !== good.stateHash);
    assert.equal(
      await metricValue(registry, 'hvflowd_rejected_ports', { reason: 'gateway-mac' }),
      1,
    );

    // The answer to a generation already applied reports the same; fixed, the port is back.
    const again = await runtime.apply(withBad);
    assert.deepEqual([again.result, again.rejectedPorts.length], ['unchanged', 1]);
    const fixed = await runtime.apply(scenarioState(1, 3));
    assert.deepEqual([fixed.result, fixed.rejectedPorts], ['applied', []]);
    const back = (await runtime.snapshot()).flows;
    assert.ok(back.some((f) => f.match.includes(`dl_src=${bad!.mac}`)));
    assert.equal(
      await metricValue(registry, 'hvflowd_rejected_ports', { reason: 'gateway-mac' }),
      0,
    );
    assert.equal(
      await metricValue(registry, 'hvflowd_rejected_ports_total', { reason: 'gateway-mac' }),
      1,
    );
  });
});

/** A switch on which some interfaces' devices fail to open: it holds them without a number. */
class FailingDevices extends MemoryDatapath {
  readonly failing = new Set<string>();

  override async bindPorts(ports: readonly PortState[]): Promise<BoundPorts> {
    const { portNumbers } = await super.bindPorts(ports);
    for (const id of this.failing) portNumbers.delete(id);
    const unbound = ports
      .filter((port) => this.failing.has(port.interfaceId))
      .map((port) => ({ interfaceId: port.interfaceId, message: 'could not open network device' }));
    return { portNumbers, unbound };
  }
}

describe('a port the switch cannot number costs only itself', () => {
  it("applies everyone else's ports, and the port's own once the switch numbers it", async () => {
    const datapath = new FailingDevices();
    const { runtime, registry } = newRuntime(datapath);
    const state = scenarioState(1, 1);
    const broken = state.ports[0]!;
    datapath.failing.add(broken.interfaceId);
    const outcome = await runtime.apply(state);
    assert.equal(outcome.result, 'applied');
    assert.deepEqual(outcome.rejectedPorts, [
      {
        interfaceId: broken.interfaceId,
        vpcId: broken.vpcId,
        remote: false,
        reason: 'port-unbound',
        problems: [`port "${broken.interfaceId}": could not open network device`],
      },
    ]);
    const flows = (await runtime.snapshot()).flows;
    assert.ok(!flows.some((f) => f.match.includes(`dl_src=${broken.mac}`)));
    for (const other of state.ports.slice(1)) {
      assert.ok(
        flows.some((f) => f.match.includes(`dl_src=${other.mac}`)),
        other.interfaceId,
      );
    }
    assert.equal(
      await metricValue(registry, 'hvflowd_rejected_ports', { reason: 'port-unbound' }),
      1,
    );

    // The next apply asks the switch again, though its local ports are the same.
    datapath.failing.clear();
    const fixed = await runtime.apply(scenarioState(1, 2));
    assert.deepEqual([fixed.result, fixed.rejectedPorts], ['applied', []]);
    const back = (await runtime.snapshot()).flows;
    assert.ok(back.some((f) => f.match.includes(`dl_src=${broken.mac}`)));
    assert.equal(
      await metricValue(registry, 'hvflowd_rejected_ports', { reason: 'port-unbound' }),
      0,
    );
  });
});

describe('the heartbeat audit', () => {
  it('reads a memory datapath as it is: it has no writer but its runtime, so nothing to repair', async () => {
    const { runtime, registry } = newRuntime();
    await runtime.apply(scenarioState(1, 1));
    const [first] = await runtime.datapath.dumpFlows();
    await runtime.datapath.applyFlowMods({ add: [], remove: [first!] });
    const audited = await runtime.audit();
    assert.deepEqual(audited, await runtime.snapshot());
    // The hash the memory datapath keeps as it changes is the hash of what it holds.
    assert.equal(audited.stateHash, stateHash(audited.flows));
    assert.notEqual(audited.stateHash, (await runtime.apply(scenarioState(1, 1))).stateHash);
    for (const result of ['clean', 'repaired', 'failed']) {
      assert.equal(await metricValue(registry, 'hvflowd_bridge_audits_total', { result }), 0);
    }
  });
});
