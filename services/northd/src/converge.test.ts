import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChassisState,
  ChassisStateAck,
  InterfaceStatus,
  convergeHeaders,
  messageTypes,
  queues,
} from '@vpcd/api';
import { countQueries } from '@vpcd/db';
import { createBroker, type Broker, type Delivery } from '@vpcd/messaging';
import { context, trace } from '@opentelemetry/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { memoryTracing, metricValue } from '@vpcd/observability/testing';
import { loadChassisStates } from './store/chassis-state.js';
import {
  ackOf,
  applyWork,
  decodeWork,
  eventually,
  startHarness,
  type Harness,
  type Work,
} from './test-support.js';

interface Received {
  /** What the chassis holds after the message (its epoch, revision and changes). */
  state: ChassisState;
  work: Work;
  headers: Record<string, unknown>;
}

describe('convergence at the RabbitMQ boundary', () => {
  const tracing = memoryTracing();
  let h: Harness;
  let broker: Broker;
  const received: Received[] = [];
  /** What each chassis holds, as hvflowd would: deltas apply on their base revision only. */
  const held = new Map<string, ChassisState>();
  let acking = true;
  let project: { id: string };
  let firstVpcId: string;

  const ack = (state: ChassisState, epoch = state.epoch) =>
    broker.publish(
      queues.acksExchange,
      '',
      Buffer.from(
        ChassisStateAck.encode({
          chassisId: state.chassisId,
          epoch,
          generation: state.generation,
          stateHash: `hash-${state.generation}`,
          error: '',
          rejectedPorts: [],
          refused: '',
          needsFullState: false,
          changes: state.changes,
          contentHash: '',
        }).finish(),
      ),
      { type: messageTypes.chassisStateAck },
    );

  before(async () => {
    h = await startHarness({}, undefined, tracing.provider);
    // Plays southd: takes converge work off the queue and acknowledges it.
    broker = createBroker({
      url: h.amqpUrl,
      logger: createLogger({ name: 'fake-southd', level: 'silent' }),
      registry: createRegistry({ service: 'fake-southd', collectDefault: false }),
      signingKeys: h.config.bus.signingKeys,
    });
    await broker.start({});
    await broker.consume(queues.convergeQueue, async (d: Delivery) => {
      const work = decodeWork(d);
      const chassisId = work.kind === 'full' ? work.state.chassisId : work.delta.chassisId;
      const prior = held.get(chassisId);
      const state = applyWork(prior, work);
      if (state === prior && prior) {
        // A resend of what it applied: unchanged, acknowledged as applied again.
        if (acking)
          await broker.publish(queues.acksExchange, '', ackOf(work), {
            type: messageTypes.chassisStateAck,
          });
        return 'ack';
      }
      if (!state) {
        // Not at the delta's base: applies nothing and asks for a full state.
        await broker.publish(queues.acksExchange, '', ackOf(work, { needsFullState: true }), {
          type: messageTypes.chassisStateAck,
        });
        return 'ack';
      }
      held.set(chassisId, state);
      received.push({ state, work, headers: d.headers });
      if (acking) await ack(state);
      return 'ack';
    });
    for (const [id, ip] of [
      ['hv1', '192.0.2.1'],
      ['hv2', '192.0.2.2'],
    ] as const) {
      await h.admin.chassis.registerChassis({
        chassisId: id,
        hostname: id,
        underlayIp: ip,
        hvflowdAddr: `${id}:50053`,
        requestId: '',
      });
    }
    project = await h.admin.projects.createProject({ name: 'p', requestId: '' });
    firstVpcId = (
      await h.admin.vpcs.createVpc({
        name: 'v',
        cidr: '10.9.0.0/24',
        requestId: '',
        projectId: project.id,
      })
    ).id;
  });
  after(async () => {
    await broker.close();
    await h.stop();
  });

  const create = async (chassisId: string, name: string, vpcId = firstVpcId) =>
    h.admin.interfaces.createInterface({ vpcId, chassisId, name, ip: '', mac: '', requestId: '' });
  const status = async (id: string) => (await h.admin.interfaces.getInterface({ id })).status;
  /**
   * Waits until both chassis have acknowledged every change (applied == desired). A test that
   * turns acks off starts here: the tests before it wait for the messages they look at, and
   * another chassis' message for the same change can trail (read later, or held in a burst).
   * One that reaches the fake southd after acks went off is never acknowledged, and its chassis
   * takes nothing new until three resends and a full state, 8 to 30 s later.
   */
  const caughtUp = async () => {
    for (const id of ['hv1', 'hv2']) {
      const chassis = await eventually(
        () => h.admin.chassis.getChassis({ id }),
        (c) => c.appliedGeneration === c.desiredGeneration,
      );
      assert.equal(chassis.appliedGeneration, chassis.desiredGeneration, `${id} caught up`);
    }
  };

  it('publishes each chassis its full state with fencing headers, and acks make interfaces ACTIVE', async () => {
    const a = await create('hv1', 'a');
    const b = await create('hv2', 'b');
    assert.equal(
      await eventually(
        () => status(b.id),
        (s) => s === InterfaceStatus.INTERFACE_STATUS_ACTIVE,
      ),
      InterfaceStatus.INTERFACE_STATUS_ACTIVE,
    );
    // hv1 may hold a's change back in a burst (its first state was in flight when a came), so
    // a can turn ACTIVE after b, whose chassis had nothing in flight.
    assert.equal(
      await eventually(
        () => status(a.id),
        (s) => s === InterfaceStatus.INTERFACE_STATUS_ACTIVE,
      ),
      InterfaceStatus.INTERFACE_STATUS_ACTIVE,
    );
    await eventually(
      () => h.admin.chassis.getChassis({ id: 'hv1' }),
      (c) => c.appliedGeneration === c.desiredGeneration,
    );
    const latest = (chassisId: string) =>
      [...received].reverse().find((r) => r.state.chassisId === chassisId)!;
    const hv1 = latest('hv1');
    assert.equal(hv1.headers[convergeHeaders.chassisId], 'hv1');
    assert.equal(Number(hv1.headers[convergeHeaders.generation]), hv1.state.generation);
    assert.equal(Number(hv1.headers[convergeHeaders.epoch]), hv1.state.epoch);
    assert.ok(hv1.state.epoch >= 1, 'a claimed lease has an epoch');
    assert.equal(hv1.headers[convergeHeaders.northdId], h.config.northdId);
    assert.deepEqual(
      hv1.state.ports.map((p) => [p.interfaceId, p.ip, p.mac]),
      [[a.id, a.ip, a.mac]],
    );
    assert.deepEqual(
      hv1.state.remotePorts.map((p) => [p.interfaceId, p.chassisId, p.underlayIp]),
      [[b.id, 'hv2', '192.0.2.2']],
    );
    assert.deepEqual(
      hv1.state.vpcs.map((v) => [v.cidr, v.gatewayIp]),
      [['10.9.0.0/24', '10.9.0.1']],
    );
    const chassis = await h.admin.chassis.getChassis({ id: 'hv1' });
    assert.equal(chassis.appliedGeneration, chassis.desiredGeneration);
    assert.equal(chassis.owner, h.config.northdId);
    const metrics = await h.deps.registry.metrics();
    assert.match(metrics, /northd_attempted_converge_chassis \d/);
    assert.match(metrics, /northd_failed_converge_chassis 0/);
    assert.match(metrics, /northd_chassis_converge_lag_seconds_count [1-9]/);
    assert.match(metrics, /northd_owned_chassis 2/);
  });

  it('publishes converge work in the trace of the API call that caused it', async () => {
    const root = tracing.provider.getTracer('test').startSpan('caller');
    const traced = await context.with(trace.setSpan(context.active(), root), () =>
      create('hv2', 'traced'),
    );
    root.end();
    const work = await eventually(
      () => received.find((r) => r.state.ports.some((p) => p.interfaceId === traced.id)),
      (r) => r !== undefined,
    );
    const header = work!.headers.traceparent;
    const traceparent = typeof header === 'string' ? header : '';
    assert.equal(traceparent.split('-')[1], root.spanContext().traceId);
  });

  it('sends a chassis one state at a time: what changes meanwhile goes out in the next one', async () => {
    const statesOf = (chassisId: string) => received.filter((r) => r.state.chassisId === chassisId);
    const includes = (r: Received | undefined, id: string) =>
      r?.state.ports.some((p) => p.interfaceId === id) ?? false;
    await caughtUp();
    acking = false;
    try {
      const first = await create('hv1', 'one-at-a-time');
      const unacked = await eventually(
        () => statesOf('hv1').find((r) => includes(r, first.id)),
        (r) => r !== undefined,
      );
      const sentBefore = statesOf('hv1').length;
      const later = [await create('hv1', 'meanwhile-1'), await create('hv1', 'meanwhile-2')];
      await sleep(600); // passes run on each change hint and every 200 ms
      assert.equal(statesOf('hv1').length, sentBefore, 'nothing more until the ack');

      await ack(unacked!.state);
      const next = await eventually(
        () => statesOf('hv1')[sentBefore],
        (r) => r !== undefined,
      );
      assert.ok(
        later.every((i) => includes(next, i.id)),
        'the next state has both changes',
      );
      assert.equal(next!.work.kind, 'delta', 'sent as one delta on the acknowledged revision');
      acking = true;
      await ack(next!.state);
    } finally {
      acking = true;
      const hv2 = statesOf('hv2').at(-1);
      if (hv2) await ack(hv2.state);
    }
    await caughtUp();
  });

  it('sends a full state to a chassis that left a VPC and joined it again within one delta', async () => {
    // hv1 leaves w and joins it again while its message of another change is unacknowledged, so
    // one delta covers both; meanwhile w changes, and hv1, out of it, gets no row of that.
    const statesOf = (chassisId: string) => received.filter((r) => r.state.chassisId === chassisId);
    const w = await h.admin.vpcs.createVpc({
      name: 'w',
      cidr: '10.10.0.0/24',
      requestId: '',
      projectId: project.id,
    });
    const x1 = await create('hv1', 'x1', w.id);
    const y1 = await create('hv2', 'y1', w.id);
    await caughtUp();
    acking = false;
    const made = { x2: '', y2: '' };
    try {
      const inFlight = await create('hv1', 'in-flight');
      const unacked = await eventually(
        () => statesOf('hv1').find((r) => r.state.ports.some((p) => p.interfaceId === inFlight.id)),
        (r) => r !== undefined,
      );
      const sentBefore = statesOf('hv1').length;
      await h.admin.interfaces.deleteInterface({ id: x1.id, requestId: '' });
      made.y2 = (await create('hv2', 'y2', w.id)).id;
      await h.admin.interfaces.deleteInterface({ id: y1.id, requestId: '' });
      made.x2 = (await create('hv1', 'x2', w.id)).id;
      acking = true;
      await ack(unacked!.state);
      const next = await eventually(
        () => statesOf('hv1')[sentBefore],
        (r) => r !== undefined,
      );
      assert.equal(next!.work.kind, 'full');
    } finally {
      acking = true;
      const hv2 = statesOf('hv2').at(-1);
      if (hv2) await ack(hv2.state);
    }
    await caughtUp();
    const hv1 = held.get('hv1')!;
    const inW = (list: readonly { interfaceId: string; vpcId: string }[]) =>
      list.filter((p) => p.vpcId === w.id).map((p) => p.interfaceId);
    assert.deepEqual([inW(hv1.ports), inW(hv1.remotePorts)], [[made.x2], [made.y2]]);
  });

  it("answers a chassis that is not at a delta's base (needs_full) with a full state", async () => {
    const hv2Messages = () => received.filter((r) => r.state.chassisId === 'hv2');
    const before = hv2Messages().length;
    const needsFull = () =>
      metricValue(h.deps.registry, 'northd_converge_acks_total', { result: 'needs_full' });
    const needsFullBefore = (await needsFull()) ?? 0;
    held.delete('hv2'); // the chassis lost what it held: it refuses the next delta
    const e = await create('hv2', 'after-a-gap');
    await eventually(
      () => status(e.id),
      (s) => s === InterfaceStatus.INTERFACE_STATUS_ACTIVE,
    );
    assert.equal(await status(e.id), InterfaceStatus.INTERFACE_STATUS_ACTIVE);
    const after = hv2Messages().slice(before);
    assert.equal(after[0]?.work.kind, 'full', 'a full state followed the refused delta');
    assert.ok(after[0].state.ports.some((p) => p.interfaceId === e.id));
    assert.equal(await needsFull(), needsFullBefore + 1);
  });

  it('ignores an ack whose epoch is not the current lease epoch', async () => {
    await caughtUp();
    acking = false;
    try {
      const c = await create('hv1', 'c');
      const work = await eventually(
        () => received.find((r) => r.state.ports.some((p) => p.interfaceId === c.id)),
        (r) => r !== undefined,
      );
      await ack(work!.state, work!.state.epoch - 1);
      await ack(work!.state, work!.state.epoch + 5);
      // A correct ack after the stale ones: once it lands, the stale ones had their chance.
      await ack(work!.state);
      await eventually(
        () => status(c.id),
        (s) => s === InterfaceStatus.INTERFACE_STATUS_ACTIVE,
      );
      const chassis = await h.admin.chassis.getChassis({ id: 'hv1' });
      assert.equal(chassis.epoch, work!.state.epoch);
      const metrics = await h.deps.registry.metrics();
      assert.match(metrics, /northd_converge_acks_total\{result="stale"\} [2-9]/);
    } finally {
      acking = true;
    }
  });

  it('loses nothing when the process stops between commit and publish: the next pass sends it', async () => {
    await h.northd.converge.stop();
    const d = await create('hv2', 'd');
    const before = received.length;
    assert.equal(await status(d.id), InterfaceStatus.INTERFACE_STATUS_PENDING);
    h.northd.converge.start();
    await eventually(
      () => status(d.id),
      (s) => s === InterfaceStatus.INTERFACE_STATUS_ACTIVE,
    );
    assert.ok(received.length > before);
  });

  it('computes a chassis state in at most 3 queries, for 10 and for 1,000 interfaces', async () => {
    const db = h.deps.db.control;
    const vpc = firstVpcId;
    for (const [chassisId, count] of [
      ['big10', 10],
      ['big1000', 1000],
    ] as const) {
      await h.admin.chassis.registerChassis({
        chassisId,
        hostname: chassisId,
        underlayIp: '192.0.2.50',
        hvflowdAddr: 'x:1',
        requestId: '',
      });
      const rows = Array.from({ length: count }, (_, i) => [
        randomUUID(),
        vpc,
        chassisId,
        `${chassisId}-n${i}`,
        (10 << 24) + (200 << 16) + i + (chassisId === 'big10' ? 5000 : 10),
        `02:${chassisId === 'big10' ? 'aa' : 'bb'}:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}:00`,
        1,
      ]);
      for (let i = 0; i < rows.length; i += 500) {
        const chunk = rows.slice(i, i + 500);
        await db.execute(
          `INSERT INTO interfaces (id, vpc_id, chassis_id, name, ip, mac, generation) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
          chunk.flat(),
        );
      }
      // Written around the API, so the VPC's membership is written here too, as the API keeps it.
      await db.execute('INSERT INTO vpc_chassis (vpc_id, chassis_id, ports) VALUES (?, ?, ?)', [
        vpc,
        chassisId,
        count,
      ]);
      const { result, queries } = await countQueries(() => loadChassisStates(db, [chassisId]));
      assert.ok(queries <= 3, `${queries} queries for ${count} interfaces`);
      assert.equal(result.get(chassisId)!.ports.length, count);
    }
    const sync = await h.admin.chassis.syncInitialChassis({ chassisId: 'big1000' });
    assert.equal(sync.state!.ports.length, 1000);
    assert.ok(sync.state!.remotePorts.length >= 10, 'remote ports of the shared VPC are included');
  });
});
