import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { contentHash, deltaBetween, stateHash } from '@vpcd/flows';
import { hasCode, Status } from '@vpcd/rpc';
import { memoryTracing, metricValue } from '@vpcd/observability/testing';
import { MemoryDatapath } from './datapath/memory-datapath.js';
import { startFakeNorthd, type FakeNorthd } from './test-support/fake-northd.js';
import { applyAndCompare, flowsOf } from './test-support/flow-changes.js';
import {
  CHASSIS_ID,
  LOCAL_UNDERLAY,
  scenarioState,
  traceCases,
  type PortNumbers,
  type TraceOutput,
} from './test-support/scenario.js';
import { eventually, startTestHvflowd, type TestHvflowd } from './test-support/test-hvflowd.js';

describe('hvflowd on the memory driver', () => {
  let northd: FakeNorthd;
  let hvflowd: TestHvflowd;
  let datapath: MemoryDatapath;
  let ports: PortNumbers;
  const tracing = memoryTracing();

  before(async () => {
    northd = await startFakeNorthd(() => scenarioState(1, 1));
    hvflowd = await startTestHvflowd(
      {
        NORTHD_ADDR: northd.address,
        CHASSIS_ID,
        UNDERLAY_IP: LOCAL_UNDERLAY,
        DATAPATH: 'memory',
      },
      tracing.provider,
    );
    await hvflowd.synced();
    const found = hvflowd.hvflowd.chassis.get(CHASSIS_ID)?.datapath;
    assert.ok(found instanceof MemoryDatapath);
    datapath = found;
    ports = {
      of: (id) => datapath.portOf(id) ?? assert.fail(`no port bound to ${id}`),
      tunnel: await datapath.tunnelPort(),
    };
  });

  after(async () => {
    await hvflowd?.stop();
    await northd?.stop();
  });

  it('applies the initial sync and heartbeats the hash of its flows', async () => {
    const got = await hvflowd.client.getChassisState({});
    assert.deepEqual([got.chassisId, got.epoch, got.generation], [CHASSIS_ID, 1, 1]);
    assert.equal(got.stateHash, stateHash(await flowsOf(hvflowd.client)));
    await eventually('a heartbeat with the hash', () =>
      northd.heartbeats.find((h) => h.stateHash === got.stateHash && h.appliedGeneration === 1),
    );
  });

  for (const c of traceCases) {
    it(`trace: ${c.name}`, () => {
      const packet = c.packet(ports);
      const outputs: TraceOutput[] = datapath.trace(packet).actions.flatMap((action) => {
        if (action.kind === 'drop') return [];
        if (action.kind === 'arp-reply') {
          return [{ port: action.port === packet.inPort ? 'in_port' : action.port }];
        }
        const tunnel =
          action.tunDst === undefined ? {} : { tunId: action.tunId, tunDst: action.tunDst };
        return [{ port: action.port, ...tunnel }];
      });
      assert.deepEqual(outputs, c.expect(ports));
    });
  }

  it('applies only the difference to a changed state', async () => {
    const { answer, change, after } = await applyAndCompare(
      hvflowd.client,
      scenarioState(1, 2, true),
    );
    assert.equal(answer.appliedGeneration, 2);
    assert.equal(answer.stateHash, stateHash(after));
    assert.deepEqual(
      [answer.flowsAdded, answer.flowsRemoved],
      [change.add.length, change.remove.length],
    );
    assert.ok(change.add.length > 0 && change.remove.length > 0);
    assert.ok(change.add.length + change.remove.length < after.length / 2);
    // The initial sync added every flow of generation 1; this apply only the change.
    const initial = after.length - change.add.length + change.remove.length;
    const counted = async (op: string) =>
      metricValue(hvflowd.registry, 'hvflowd_flows_applied_total', { op });
    assert.equal(await counted('add'), initial + change.add.length);
    assert.equal(await counted('remove'), change.remove.length);
  });

  it('traces the apply as a child of the ApplyChassisState call', () => {
    const spans = tracing.exporter.getFinishedSpans();
    const apply = spans.find(
      (s) => s.name === 'hvflowd apply' && s.attributes['vpcd.generation'] === 2,
    );
    assert.ok(apply, spans.map((s) => s.name).join(', '));
    const parent = spans.find((s) => s.spanContext().spanId === apply.parentSpanContext?.spanId);
    assert.match(parent?.name ?? '', /HvflowdService\/ApplyChassisState/);
    assert.ok(Number(apply.attributes['vpcd.flows_added']) > 0);
  });

  it('applies an already applied generation as done', async () => {
    const before = await flowsOf(hvflowd.client);
    const answer = await hvflowd.client.applyChassisState({ state: scenarioState(1, 2, false) });
    assert.deepEqual([answer.appliedGeneration, answer.flowsAdded, answer.flowsRemoved], [2, 0, 0]);
    assert.deepEqual(await flowsOf(hvflowd.client), before);
  });

  it('refuses a state of a stale epoch with FAILED_PRECONDITION and counts it', async () => {
    await hvflowd.client.applyChassisState({ state: scenarioState(3, 3, true) });
    const before = await hvflowd.client.getChassisState({});
    await assert.rejects(
      hvflowd.client.applyChassisState({ state: scenarioState(2, 4, false) }),
      (err: unknown) =>
        hasCode(err, Status.FAILED_PRECONDITION) && /stale epoch 2 < 3/.test(String(err)),
    );
    assert.equal(await metricValue(hvflowd.registry, 'hvflowd_fenced_total'), 1);
    assert.equal(
      await metricValue(hvflowd.registry, 'hvflowd_apply_total', { result: 'fenced' }),
      1,
    );
    assert.deepEqual(await hvflowd.client.getChassisState({}), before);
  });

  it('leaves out the ports it cannot compile, applies the rest and answers with them', async () => {
    const state = { ...scenarioState(3, 6, true) };
    const first = state.ports[0]!;
    state.ports = [...state.ports, { ...first, interfaceId: 'if-dup' }];
    const answer = await hvflowd.client.applyChassisState({ state });
    assert.deepEqual(
      answer.rejectedPorts.map((r) => [r.interfaceId, r.reason, r.remote]).sort(),
      [
        [first.interfaceId, 'duplicate-ip', false],
        ['if-dup', 'duplicate-ip', false],
      ].sort(),
    );
    assert.match(answer.rejectedPorts[0]!.message, /is taken in its vpc by another port/);
    assert.equal((await hvflowd.client.getChassisState({})).generation, 6);
  });

  it('applies a delta on its revision over gRPC and asks for a full state for one on another', async () => {
    const held = scenarioState(3, 7, true);
    await hvflowd.client.applyChassisState({ state: held });
    const delta = deltaBetween(held, scenarioState(3, 8, false));
    const applied = await hvflowd.client.applyChassisState({ delta });
    assert.deepEqual(
      [applied.needsFullState, applied.appliedGeneration, applied.contentHash],
      [false, 8, contentHash(scenarioState(3, 8, false))],
    );
    const flows = await flowsOf(hvflowd.client);
    const gap = await hvflowd.client.applyChassisState({
      delta: { ...delta, baseGeneration: 9, generation: 10 },
    });
    assert.deepEqual([gap.needsFullState, gap.appliedGeneration], [true, 8]);
    assert.deepEqual(await flowsOf(hvflowd.client), flows);
    await assert.rejects(hvflowd.client.applyChassisState({}), (err: unknown) =>
      hasCode(err, Status.INVALID_ARGUMENT),
    );
  });
});
