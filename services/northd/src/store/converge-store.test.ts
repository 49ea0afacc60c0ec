import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InterfaceStatus } from '@vpcd/api';
import { countQueries, type Database } from '@vpcd/db';
import { eventually, startHarness, type Harness } from '../test-support.js';
import { changeLog, type PendingChange } from './change-log.js';
import { recordAck } from './chassis-status.js';
import { SqlConvergeStore } from './converge-store.js';

// No southd acknowledges here: every change row stays pending until a test retires it.
describe('ConvergeStore on the change log', () => {
  let h: Harness;
  let db: Database;
  let store: SqlConvergeStore;
  let vpcId: string;

  before(async () => {
    h = await startHarness();
    db = h.deps.db.control;
    store = new SqlConvergeStore(db);
    for (const [id, ip] of [
      ['hva', '192.0.2.1'],
      ['hvb', '192.0.2.2'],
      ['hvc', '192.0.2.3'],
    ] as const) {
      await h.admin.chassis.registerChassis({
        chassisId: id,
        hostname: id,
        underlayIp: ip,
        hvflowdAddr: `${id}:50053`,
        requestId: '',
      });
    }
    // Registration asks each chassis' owner for a full state; start from an empty log.
    for (const [id, rows] of await store.pendingFor(['hva', 'hvb', 'hvc'])) {
      await changeLog.retire(
        db,
        id,
        rows.map((r) => r.seq),
      );
    }
    const project = await h.admin.projects.createProject({ name: 'p', requestId: '' });
    vpcId = (
      await h.admin.vpcs.createVpc({
        name: 'v',
        cidr: '10.7.0.0/24',
        requestId: '',
        projectId: project.id,
      })
    ).id;
  });
  after(async () => {
    await h.stop();
  });

  const create = (chassisId: string, name: string) =>
    h.admin.interfaces.createInterface({ vpcId, chassisId, name, ip: '', mac: '', requestId: '' });
  const remove = (id: string) => h.admin.interfaces.deleteInterface({ id, requestId: '' });
  const pending = async (chassisId: string): Promise<PendingChange[]> =>
    (await store.pendingFor([chassisId])).get(chassisId) ?? [];
  /** The pending rows of `chassisId` newer than `afterSeq`. */
  const newer = async (chassisId: string, afterSeq: number) =>
    (await pending(chassisId)).filter((r) => r.seq > afterSeq);
  const newest = async () =>
    Math.max(0, ...[...(await changeLog.newest(db, ['hva', 'hvb', 'hvc'])).values()]);
  /** Retires every pending row of the chassis, as an ack of a message covering them does. */
  const acknowledge = async (chassisId: string) => {
    const rows = await pending(chassisId);
    // An ack counts in the lease's epoch: wait until the harness' northd has claimed one.
    const [lease] = await eventually(
      () =>
        db.query<{ epoch: number }>(
          'SELECT epoch FROM chassis_leases WHERE chassis_id = ? AND owner IS NOT NULL',
          [chassisId],
        ),
      (found) => found.length === 1,
    );
    // Above what is recorded: the harness' own converger acknowledges this chassis too.
    const [status] = await db.query<{ g: number }>(
      'SELECT applied_generation AS g FROM chassis_status WHERE chassis_id = ?',
      [chassisId],
    );
    return recordAck(db, {
      chassisId,
      epoch: Number(lease?.epoch ?? 0),
      generation: Math.max(1_000, Number(status?.g ?? 0)) + 1 + rows.length,
      stateHash: 'bridge',
      contentHash: 'content',
      rejectedPorts: [],
      changes: rows.map((r) => r.seq),
    });
  };

  it('gives a VPC new on a chassis with every port, then remote ports added and removed', async () => {
    const i1 = await create('hva', 'i1');
    const first = await pending('hva');
    // The row that says hva joined the VPC, and its port's row.
    assert.deepEqual(
      first.map((r) => [r.vpcId, r.interfaceId]),
      [
        [vpcId, null],
        [vpcId, i1.id],
      ],
    );
    assert.equal(first[1]!.seq, i1.generation, 'the generation is its own chassis row');
    const fresh = await store.loadDelta('hva', first, new Set());
    assert.deepEqual(
      [fresh.vpcs.map((v) => v.vpcId), fresh.ports.map((p) => p.interfaceId), fresh.fullWanted],
      [[vpcId], [i1.id], false],
    );
    assert.equal(fresh.hvflowdAddr, 'hva:50053');

    let mark = await newest();
    const i2 = await create('hvb', 'i2');
    // hvb: the VPC is new there, with its port and hva's as a remote port.
    const onB = await store.loadDelta('hvb', await newer('hvb', mark), new Set());
    assert.deepEqual(
      [onB.vpcs.map((v) => v.vpcId), onB.ports.map((p) => p.interfaceId)],
      [[vpcId], [i2.id]],
    );
    assert.deepEqual(
      onB.remotePorts.map((p) => [p.interfaceId, p.chassisId, p.underlayIp]),
      [[i1.id, 'hva', '192.0.2.1']],
    );
    // hva holds the VPC: only the remote port added.
    const onA = await store.loadDelta('hva', await newer('hva', mark), new Set([vpcId]));
    assert.deepEqual(
      [onA.vpcs, onA.ports, onA.remotePorts.map((p) => [p.interfaceId, p.underlayIp])],
      [[], [], [[i2.id, '192.0.2.2']]],
    );

    mark = await newest();
    const i3 = await create('hva', 'i3');
    const added = await store.loadDelta('hva', await newer('hva', mark), new Set([vpcId]));
    assert.deepEqual([added.ports.map((p) => p.interfaceId), added.remotePorts], [[i3.id], []]);
    assert.equal(added.ports[0]!.ip, i3.ip);

    mark = await newest();
    await remove(i3.id);
    const removedHere = await store.loadDelta('hva', await newer('hva', mark), new Set([vpcId]));
    assert.deepEqual(
      [removedHere.removedPorts, removedHere.removedRemotePorts, removedHere.removedVpcs],
      [[i3.id], [], []],
    );
    const removedThere = await store.loadDelta('hvb', await newer('hvb', mark), new Set([vpcId]));
    assert.deepEqual([removedThere.removedRemotePorts, removedThere.removedPorts], [[i3.id], []]);

    mark = await newest();
    await remove(i2.id);
    // hvb has no interface of the VPC left: the VPC goes, with all it held there.
    const gone = await store.loadDelta('hvb', await newer('hvb', mark), new Set([vpcId]));
    assert.deepEqual(
      [gone.removedVpcs, gone.removedPorts, gone.ports, gone.remotePorts],
      [[vpcId], [], [], []],
    );
    const remoteGone = await store.loadDelta('hva', await newer('hva', mark), new Set([vpcId]));
    assert.deepEqual(remoteGone.removedRemotePorts, [i2.id]);
    // A chassis that never held the VPC gets nothing for a VPC it does not span.
    const nothing = await store.loadDelta('hvb', await newer('hvb', mark), new Set());
    assert.deepEqual([nothing.removedVpcs, nothing.vpcs, nothing.fullWanted], [[], [], false]);
  });

  it('wants a full state for a FULL row, and loads it with every pending seq', async () => {
    await changeLog.requestFull(db, ['hvc']);
    const rows = await pending('hvc');
    assert.ok(rows.some((r) => r.vpcId === null && r.interfaceId === null));
    assert.equal((await store.loadDelta('hvc', rows, new Set())).fullWanted, true);
    const full = await store.loadFull('hva');
    assert.ok(full);
    assert.deepEqual(
      full.changes,
      (await pending('hva')).map((r) => r.seq),
    );
    assert.deepEqual(
      [full.state.generation, full.state.chassisId, full.hvflowdAddr],
      [0, 'hva', 'hva:50053'],
    );
    assert.deepEqual(
      full.state.ports.map((p) => p.name),
      ['i1'],
    );
    assert.equal(await store.loadFull('no-such-chassis'), undefined);
  });

  it('reads the full states and pending rows of many chassis at once in a few statements', async () => {
    const ids = Array.from({ length: 5 }, () => ['hva', 'hvb', 'hvc', 'no-such-chassis']).flat();
    const load = (id: string) => Promise.all([store.loadFull(id), store.pendingFor([id])]);
    const alone = await countQueries(async () => {
      const answers: unknown[] = [];
      for (const id of ids) answers.push(await load(id));
      return answers;
    });
    const together = await countQueries(() => Promise.all(ids.map(load)));
    assert.deepEqual(together.result, alone.result);
    // The first of each kind goes at once; the others wait and go together.
    assert.ok(
      together.queries * 3 < alone.queries,
      `${together.queries} statements together, ${alone.queries} one chassis at a time`,
    );
  });

  it('reads the deltas of many chassis at once, each as it reads alone', async () => {
    const i1 = await create('hva', 'batch-1');
    const i2 = await create('hvb', 'batch-2');
    const [onA, onB, onC] = await Promise.all(['hva', 'hvb', 'hvc'].map(pending));
    // Each chassis as if it held the VPC and as if it were new there; and a row of another
    // chassis, which a delta never takes. A chassis holds a VPC from the message that carried
    // its joining row on: that row is in no later delta.
    const held = (rows: PendingChange[]) => rows.filter((r) => r.interfaceId !== null);
    const requests = [
      { chassisId: 'hva', rows: held(onA!), heldVpcs: new Set([vpcId]) },
      { chassisId: 'hva', rows: onA!, heldVpcs: new Set<string>() },
      { chassisId: 'hvb', rows: held(onB!), heldVpcs: new Set([vpcId]) },
      { chassisId: 'hvb', rows: [...onB!, ...onA!], heldVpcs: new Set<string>() },
      { chassisId: 'hvc', rows: held(onC!), heldVpcs: new Set([vpcId]) },
      { chassisId: 'no-such-chassis', rows: onA!, heldVpcs: new Set<string>() },
    ];
    const many = [...requests, ...requests, ...requests];
    const load = (r: (typeof requests)[number]) => store.loadDelta(r.chassisId, r.rows, r.heldVpcs);
    const alone = await countQueries(async () => {
      const answers: unknown[] = [];
      for (const r of many) answers.push(await load(r));
      return answers;
    });
    const together = await countQueries(() => Promise.all(many.map(load)));
    assert.deepEqual(together.result, alone.result);
    assert.ok(
      together.queries * 3 < alone.queries,
      `${together.queries} statements together, ${alone.queries} one chassis at a time`,
    );
    const [heldA, newA, heldB, newB] = together.result;
    assert.ok(heldA!.remotePorts.some((p) => p.interfaceId === i2.id));
    assert.ok(newA!.ports.some((p) => p.interfaceId === i1.id));
    assert.deepEqual(
      newA!.vpcs.map((v) => v.vpcId),
      [vpcId],
    );
    assert.deepEqual(
      heldB!.ports.map((p) => p.interfaceId),
      [i2.id],
    );
    // hva's rows listed for hvb add nothing: the VPC, hvb's port and hva's ports as remote.
    assert.deepEqual(
      newB!.ports.map((p) => p.interfaceId),
      [i2.id],
    );
    assert.ok(!newB!.remotePorts.some((p) => p.chassisId === 'hvb'));
    await acknowledge('hva');
    await acknowledge('hvb');
  });

  it('reads the hvflowd address a chassis registered, for resends', async () => {
    assert.equal(await store.hvflowdAddr('hva'), 'hva:50053');
    assert.equal(await store.hvflowdAddr('no-such-chassis'), undefined);
  });

  it('keeps an interface PENDING while its change row exists, ACTIVE once acknowledged', async () => {
    const i4 = await create('hvc', 'i4');
    const status = async () => (await h.admin.interfaces.getInterface({ id: i4.id })).status;
    assert.equal(await status(), InterfaceStatus.INTERFACE_STATUS_PENDING);
    const ack = await acknowledge('hvc');
    assert.ok(ack.recorded && ack.retired > 0, JSON.stringify(ack));
    assert.equal(await status(), InterfaceStatus.INTERFACE_STATUS_ACTIVE);
    assert.deepEqual(await store.pendingFor(['hvc']), new Map());
    const chassis = await h.admin.chassis.getChassis({ id: 'hvc' });
    assert.equal(chassis.appliedGeneration, chassis.desiredGeneration);
    assert.ok(chassis.appliedGeneration >= i4.generation);
    const reported = await store.reportedContent('hvc');
    assert.equal(reported?.contentHash, 'content');
  });

  it('leaves rows refused for good out until a newer change, which wants a full state', async () => {
    await eventually(
      async () =>
        (await db.query('SELECT 1 FROM chassis_leases WHERE chassis_id = ?', ['hva'])).length,
      (n) => n === 1,
    );
    const rows = await pending('hva');
    const [lease] = await db.query<{ epoch: number }>(
      'SELECT epoch FROM chassis_leases WHERE chassis_id = ?',
      ['hva'],
    );
    await store.recordRefused(
      'hva',
      Number(lease!.epoch),
      rows.map((r) => r.seq),
      'too_large: test',
    );
    assert.equal((await store.pendingFor(['hva'])).has('hva'), false);
    await create('hva', 'i5');
    const after = await pending('hva');
    assert.ok(after.length > rows.length);
    assert.equal((await store.loadDelta('hva', after, new Set([vpcId]))).fullWanted, true);
  });

  it('sends a full state to a chassis that left a VPC and joined it again within one delta', async () => {
    const project = await h.admin.projects.createProject({ name: 'rejoin', requestId: '' });
    const w = await h.admin.vpcs.createVpc({
      name: 'w',
      cidr: '10.8.0.0/24',
      requestId: '',
      projectId: project.id,
    });
    const createIn = (chassisId: string, name: string) =>
      h.admin.interfaces.createInterface({
        vpcId: w.id,
        chassisId,
        name,
        ip: '',
        mac: '',
        requestId: '',
      });
    const c1 = await createIn('hvc', 'c1');
    const b1 = await createIn('hvb', 'b1');
    const mark = await newest();
    await remove(c1.id); // hvc leaves w
    // Neither is a change to hvc, which spans w no more: it gets no row of them.
    const b2 = await createIn('hvb', 'b2');
    await remove(b1.id);
    const c2 = await createIn('hvc', 'c2'); // and joins it again
    const rows = await newer('hvc', mark);
    assert.deepEqual(
      rows.map((r) => [r.vpcId, r.interfaceId]),
      [
        [w.id, c1.id],
        [w.id, null],
        [w.id, c2.id],
      ],
    );
    // Told of the leave (w not held): w is new to it and goes whole, b2 and not b1 with it.
    const whole = await store.loadDelta('hvc', rows, new Set());
    assert.deepEqual(
      [
        whole.fullWanted,
        whole.vpcs.map((v) => v.vpcId),
        whole.ports.map((p) => p.interfaceId),
        whole.remotePorts.map((p) => p.interfaceId),
      ],
      [false, [w.id], [c2.id], [b2.id]],
    );
    // Not told (w held, as it was before the leave): b1 is still there and b2 is missing, and
    // no row names either. The leave read after the join committed is no exception.
    assert.equal((await store.loadDelta('hvc', rows, new Set([w.id]))).fullWanted, true);
    const leave = await store.loadDelta('hvc', rows.slice(0, 1), new Set([w.id]));
    assert.deepEqual([leave.fullWanted, leave.removedPorts], [false, [c1.id]]);
    assert.equal((await store.loadDelta('hvc', rows.slice(1), new Set([w.id]))).fullWanted, true);
    await acknowledge('hvb');
    await acknowledge('hvc');
  });
});
