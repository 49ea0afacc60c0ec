import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { countQueries, type Database } from '@vpcd/db';
import { migratedDatabase } from '../test-support.js';
import { chassisStatus, type AppliedAck } from './chassis-status.js';

describe('acks recorded in a group', () => {
  const database = migratedDatabase();
  let db: Database;
  before(() => {
    db = database.db;
  });

  /** Chassis leased at epoch 2, at revision 3, each with two pending rows; their seqs. */
  async function chassis(ids: readonly string[]): Promise<Map<string, number[]>> {
    await db.execute('INSERT INTO chassis (id, hostname, underlay_ip, hvflowd_addr) VALUES ?', [
      ids.map((id) => [id, id, '192.0.2.1', `${id}:1`]),
    ]);
    await db.execute('INSERT INTO chassis_leases (chassis_id, owner, epoch) VALUES ?', [
      ids.map((id) => [id, 'northd-0', 2]),
    ]);
    await db.execute(
      'INSERT INTO chassis_status (chassis_id, applied_epoch, applied_generation) VALUES ?',
      [ids.map((id) => [id, 2, 3])],
    );
    await db.execute('INSERT INTO chassis_changes (chassis_id) VALUES ?', [
      ids.flatMap((id) => [[id], [id]]),
    ]);
    const rows = await db.query<{ chassis_id: string; seq: number }>(
      'SELECT chassis_id, seq FROM chassis_changes WHERE chassis_id IN (?) ORDER BY seq',
      [ids],
    );
    const seqs = new Map<string, number[]>();
    for (const r of rows)
      seqs.set(r.chassis_id, [...(seqs.get(r.chassis_id) ?? []), Number(r.seq)]);
    return seqs;
  }

  const ack = (chassisId: string, epoch: number, generation: number, changes: number[]) =>
    ({
      chassisId,
      epoch,
      generation,
      stateHash: `s${generation}`,
      contentHash: `c${generation}`,
      rejectedPorts: [],
      changes,
    }) satisfies AppliedAck;

  it('answers each ack in its order as alone, in one transaction', async () => {
    const seqs = await chassis(['ack-c', 'ack-a', 'ack-b']);
    const batch = [
      ack('ack-c', 2, 5, seqs.get('ack-c')!),
      ack('ack-a', 2, 4, seqs.get('ack-a')!),
      ack('ack-b', 1, 9, seqs.get('ack-b')!), // of an epoch before the lease's
      ack('ack-c', 2, 4, []), // older than the one before it
    ];
    const { result, queries } = await countQueries(() => chassisStatus.recordAcks(db, batch));
    assert.deepEqual(
      result.map((r) => [r.recorded, r.retired, r.lagSeconds !== undefined]),
      [
        [true, 2, true],
        [true, 2, true],
        [false, 0, false],
        [false, 0, false],
      ],
    );
    // BEGIN, the leases, an update an ack of the lease's epoch, one retiring every row, COMMIT.
    assert.ok(queries <= 2 + 1 + 3 + 1 + 1, `${queries} statements`);
    const status = await db.query<{ chassis_id: string; g: number; h: string }>(
      `SELECT chassis_id, applied_generation AS g, state_hash AS h FROM chassis_status
       WHERE chassis_id LIKE 'ack-%' ORDER BY chassis_id`,
    );
    assert.deepEqual(
      status.map((s) => [s.chassis_id, Number(s.g), s.h]),
      [
        ['ack-a', 4, 's4'],
        ['ack-b', 3, ''],
        ['ack-c', 5, 's5'],
      ],
    );
    const left = await db.query<{ chassis_id: string; seq: number }>(
      "SELECT chassis_id, seq FROM chassis_changes WHERE chassis_id LIKE 'ack-%' ORDER BY seq",
    );
    assert.deepEqual(
      left.map((r) => [r.chassis_id, Number(r.seq)]),
      seqs.get('ack-b')!.map((seq) => ['ack-b', seq]),
      'every row an ack of the lease epoch covered is retired, and only those',
    );
  });

  it("leaves a deposed owner's rows for the new owner, whose full state may come after", async () => {
    // The new owner (epoch 2) read its first full state before these rows committed; the old
    // owner (epoch 1) sent them in a delta that the chassis applied first, and the full state
    // then replaced it. Retiring them on that ack would lose the changes for good.
    const seqs = (await chassis(['deposed'])).get('deposed')!;
    const [old] = await chassisStatus.recordAcks(db, [ack('deposed', 1, 7, seqs)]);
    assert.deepEqual([old!.recorded, old!.retired], [false, 0]);
    const pending = async () =>
      (
        await db.query<{ seq: number }>(
          "SELECT seq FROM chassis_changes WHERE chassis_id = 'deposed' ORDER BY seq",
        )
      ).map((r) => Number(r.seq));
    assert.deepEqual(await pending(), seqs, 'the rows wait for the new owner');
    const [now] = await chassisStatus.recordAcks(db, [ack('deposed', 2, 4, seqs)]);
    assert.deepEqual([now!.recorded, now!.retired], [true, 2]);
    assert.deepEqual(await pending(), []);
  });

  it("retires only an ack's own chassis' rows, each once", async () => {
    const seqs = await chassis(['own-a', 'own-b']);
    const [a1, a2] = seqs.get('own-a')!;
    const [b1, b2] = seqs.get('own-b')!;
    const result = await chassisStatus.recordAcks(db, [
      ack('own-a', 2, 4, [a1!, b1!]), // b1 is own-b's: not own-a's to retire
      ack('own-b', 2, 4, [b2!]),
      ack('own-a', 2, 5, [a1!, a2!]), // a1 went with the first ack
    ]);
    assert.deepEqual(
      result.map((r) => r.retired),
      [1, 1, 1],
    );
    const left = await db.query<{ seq: number }>(
      "SELECT seq FROM chassis_changes WHERE chassis_id LIKE 'own-%'",
    );
    assert.deepEqual(
      left.map((r) => Number(r.seq)),
      [b1],
    );
  });

  it('records the others of a group when one ack fails, and fails that one alone', async () => {
    const seqs = await chassis(['apart-a', 'apart-b']);
    const bad = { ...ack('apart-b', 2, 4, seqs.get('apart-b')!), stateHash: 'x'.repeat(300) };
    const answers = await chassisStatus.recordAcksApart(db, [
      ack('apart-a', 2, 4, seqs.get('apart-a')!),
      bad,
    ]);
    const [good, failed] = answers;
    if (good === undefined || good instanceof Error) throw good ?? new Error('no answer');
    assert.deepEqual([good.recorded, failed instanceof Error], [true, true]);
    const status = await db.query<{ chassis_id: string; g: number }>(
      `SELECT chassis_id, applied_generation AS g FROM chassis_status
       WHERE chassis_id LIKE 'apart-%' ORDER BY chassis_id`,
    );
    assert.deepEqual(
      status.map((s) => [s.chassis_id, Number(s.g)]),
      [
        ['apart-a', 4],
        ['apart-b', 3],
      ],
    );
  });
});
