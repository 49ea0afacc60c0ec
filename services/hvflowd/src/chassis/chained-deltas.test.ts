import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChassisState, PortState } from '@vpcd/api';
import { contentHash, deltaBetween, diff } from '@vpcd/flows';
import { createLogger, createRegistry, type Registry } from '@vpcd/observability';
import { metricValue } from '@vpcd/observability/testing';
import { MemoryDatapath } from '../datapath/memory-datapath.js';
import { scenarioState } from '../test-support/scenario.js';
import { hasApplyCode } from './apply-error.js';
import { ChassisRuntime } from './chassis-runtime.js';
import { createHvflowdMetrics } from './hvflowd-metrics.js';

function newRuntime(): { runtime: ChassisRuntime; registry: Registry } {
  const registry = createRegistry({ service: 'hvflowd', collectDefault: false });
  const runtime = new ChassisRuntime({
    chassisId: scenarioState(0, 0).chassisId,
    datapath: new MemoryDatapath(),
    metrics: createHvflowdMetrics(registry),
    logger: createLogger({ name: 'test', level: 'silent' }),
  });
  return { runtime, registry };
}

const at = (state: ChassisState, epoch: number, generation: number): ChassisState => ({
  ...state,
  epoch,
  generation,
});
const before = scenarioState(1, 1);
const after = scenarioState(1, 2, true);

/** State number n of a pseudo-random walk from `before`: ports added, changed and removed. */
function walk(steps: number): ChassisState[] {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 1000;
  const states = [before];
  for (let n = 1; n <= steps; n++) {
    const previous = states.at(-1)!;
    let ports: PortState[] = [...previous.ports];
    const roll = next();
    if (roll % 3 === 0 && ports.length > 1) ports.splice(roll % ports.length, 1);
    else if (roll % 3 === 1 && ports.length > 0) {
      const i = roll % ports.length;
      ports[i] = { ...ports[i]!, name: `renamed-${n}` };
    }
    const id = 100 + n;
    ports = [
      ...ports,
      {
        interfaceId: `if-x${id}`,
        vpcId: n % 2 === 0 ? 'vpc-a' : 'vpc-b',
        name: `x${id}`,
        ip: `10.0.0.${id}`,
        mac: `02:0c:00:00:00:${id.toString(16)}`,
      },
    ];
    const remotePorts = n % 4 === 0 ? previous.remotePorts.slice(1) : previous.remotePorts;
    states.push({ ...previous, generation: n + 1, ports, remotePorts });
  }
  return states;
}

describe('chained deltas', () => {
  it('applies a delta on the revision held, to the flows the full state would give', async () => {
    const { runtime, registry } = newRuntime();
    await runtime.apply(before);
    const outcome = await runtime.applyDelta(deltaBetween(before, after));
    assert.deepEqual(
      [outcome.result, outcome.appliedGeneration, outcome.contentHash],
      ['applied', 2, contentHash(after)],
    );
    assert.ok(outcome.flowsAdded > 0 && outcome.flowsRemoved > 0);
    assert.equal(await metricValue(registry, 'hvflowd_apply_total', { result: 'delta' }), 1);

    // The same state, whole, changes nothing on the bridge.
    const full = await runtime.apply(at(after, 1, 3));
    assert.deepEqual(
      [full.flowsAdded, full.flowsRemoved, full.stateHash],
      [0, 0, outcome.stateHash],
    );
  });

  it('applies nothing and asks for a full state for a delta on another revision', async () => {
    const { runtime, registry } = newRuntime();
    const applied = await runtime.apply(before);
    const flows = await runtime.datapath.dumpFlows();
    for (const delta of [
      { ...deltaBetween(at(before, 1, 5), at(after, 1, 6)) },
      { ...deltaBetween(before, after), epoch: 2 },
    ]) {
      const outcome = await runtime.applyDelta(delta);
      assert.deepEqual(
        [outcome.result, outcome.appliedGeneration, outcome.contentHash, outcome.flowsAdded],
        ['needs-full', 1, applied.contentHash, 0],
      );
    }
    assert.deepEqual(await runtime.datapath.dumpFlows(), flows);
    assert.equal(await metricValue(registry, 'hvflowd_apply_total', { result: 'needs_full' }), 2);
    // The epoch-2 delta raised the fence: work of epoch 1 is now stale.
    await assert.rejects(runtime.applyDelta(deltaBetween(before, after)), (err: unknown) =>
      hasApplyCode(err, 'stale-epoch'),
    );
  });

  it('refuses the first delta after an initial sync, and applies the full state that follows', async () => {
    const { runtime } = newRuntime();
    const synced = await runtime.applyInitialSync(at(before, 3, 0));
    assert.deepEqual([synced.result, synced.appliedGeneration], ['applied', 0]);
    // The owner was at revision 9 of epoch 3 before the chassis restarted.
    const refused = await runtime.applyDelta(deltaBetween(at(before, 3, 9), at(after, 3, 10)));
    assert.equal(refused.result, 'needs-full');
    const full = await runtime.apply(at(after, 3, 11));
    assert.deepEqual([full.result, full.appliedGeneration], ['applied', 11]);
    const next = await runtime.applyDelta(deltaBetween(at(after, 3, 11), at(before, 3, 12)));
    assert.deepEqual([next.result, next.contentHash], ['applied', contentHash(before)]);
  });

  it('takes a delta applied already as done', async () => {
    const { runtime, registry } = newRuntime();
    await runtime.apply(before);
    const delta = deltaBetween(before, after);
    await runtime.applyDelta(delta);
    const again = await runtime.applyDelta(delta);
    assert.deepEqual([again.result, again.appliedGeneration], ['unchanged', 2]);
    assert.equal(await metricValue(registry, 'hvflowd_apply_total', { result: 'unchanged' }), 1);
  });

  it('refuses a delta that does not fit the state held, changing nothing', async () => {
    const { runtime } = newRuntime();
    await runtime.apply(before);
    const flows = await runtime.datapath.dumpFlows();
    const bad = { ...deltaBetween(before, after), removedVpcs: ['vpc-a'] };
    await assert.rejects(runtime.applyDelta(bad), (err: unknown) =>
      hasApplyCode(err, 'invalid-state'),
    );
    assert.deepEqual(await runtime.datapath.dumpFlows(), flows);
    assert.equal(runtime.applied.generation, 1);
  });

  it('ends a chain of deltas on the flows of the equivalent full state: zero diff', async () => {
    const { runtime } = newRuntime();
    const states = walk(12);
    await runtime.apply(states[0]!);
    for (let i = 1; i < states.length; i++) {
      const outcome = await runtime.applyDelta(deltaBetween(states[i - 1]!, states[i]!));
      assert.equal(outcome.result, 'applied', `delta ${i}`);
    }
    const last = states.at(-1)!;
    const chained = await runtime.datapath.dumpFlows();
    assert.equal(runtime.applied.contentHash, contentHash(last));
    const full = await runtime.apply(at(last, 1, 100));
    assert.deepEqual([full.result, full.flowsAdded, full.flowsRemoved], ['applied', 0, 0]);
    const change = diff(chained, await runtime.datapath.dumpFlows());
    assert.deepEqual([change.add.length, change.remove.length], [0, 0]);
  });
});

describe('what a delta costs the datapath', () => {
  it('binds ports only when the local ports change, and never reads the bridge', async () => {
    const calls = { bind: 0, dump: 0 };
    const datapath = new MemoryDatapath();
    const bindPorts = datapath.bindPorts.bind(datapath);
    const dumpFlows = datapath.dumpFlows.bind(datapath);
    datapath.bindPorts = (ports) => (calls.bind++, bindPorts(ports));
    datapath.dumpFlows = () => (calls.dump++, dumpFlows());
    const runtime = new ChassisRuntime({
      chassisId: before.chassisId,
      datapath,
      metrics: createHvflowdMetrics(createRegistry({ service: 'h', collectDefault: false })),
      logger: createLogger({ name: 'test', level: 'silent' }),
    });
    await runtime.apply(before);
    assert.deepEqual(calls, { bind: 1, dump: 1 }, 'the first apply reads the bridge');
    const remoteOnly = { ...before, generation: 2, remotePorts: before.remotePorts.slice(1) };
    await runtime.applyDelta(deltaBetween(before, remoteOnly));
    assert.deepEqual(calls, { bind: 1, dump: 1 }, 'a remote port changed: nothing read');
    await runtime.applyDelta(deltaBetween(remoteOnly, { ...after, generation: 3 }));
    assert.deepEqual(calls, { bind: 2, dump: 1 }, 'a local port added: bound, not read');
    const full = await runtime.apply({ ...after, generation: 4 });
    assert.deepEqual([full.flowsAdded, full.flowsRemoved], [0, 0], 'the bridge is the full state');
  });
});
