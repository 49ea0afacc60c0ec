import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isDbError, type DbError } from './db-error.js';
import { signal, testContext, type TestContext } from './test-support.js';

describe('Database', () => {
  let t: TestContext;
  before(async () => {
    t = await testContext();
    const { db } = t.open();
    await db.execute(`CREATE TABLE vpcs (
      id BIGINT AUTO_INCREMENT PRIMARY KEY,
      name VARCHAR(64) NOT NULL,
      UNIQUE KEY uq_vpcs_name (name)
    ) ENGINE=InnoDB`);
    await db.execute(`CREATE TABLE interfaces (
      id BIGINT AUTO_INCREMENT PRIMARY KEY,
      vpc_id BIGINT NOT NULL,
      ip VARCHAR(45) NOT NULL,
      UNIQUE KEY uq_interfaces_vpc_ip (vpc_id, ip),
      CONSTRAINT fk_interfaces_vpc FOREIGN KEY (vpc_id) REFERENCES vpcs (id)
    ) ENGINE=InnoDB`);
  });
  after(() => t.cleanup());

  it('writes with execute and reads the rows back with query', async () => {
    const { db } = t.open();
    const first = await db.execute('INSERT INTO vpcs (name) VALUES (?)', ['alpha']);
    assert.equal(first.affectedRows, 1);
    assert.ok(first.insertId > 0);
    const bulk = await db.execute('INSERT INTO vpcs (name) VALUES ?', [[['beta'], ['gamma']]]);
    assert.equal(bulk.affectedRows, 2);
    const rows = await db.query<{ id: number; name: string }>(
      'SELECT id, name FROM vpcs WHERE name IN (?) ORDER BY name',
      [['alpha', 'gamma']],
    );
    assert.deepEqual(
      rows.map((r) => r.name),
      ['alpha', 'gamma'],
    );
    assert.equal(rows[0]?.id, first.insertId);
    const updated = await db.execute('UPDATE vpcs SET name = ? WHERE name = ?', ['delta', 'beta']);
    assert.equal(updated.affectedRows, 1);
  });

  it('returns no rows from query for a statement without a result set', async () => {
    const { db } = t.open();
    assert.deepEqual(await db.query('UPDATE vpcs SET name = name WHERE id = -1'), []);
  });

  it('reports a duplicate key as kind duplicate with the key name', async () => {
    const { db } = t.open();
    const [vpc] = await db.query<{ id: number }>('SELECT id FROM vpcs WHERE name = ?', ['alpha']);
    await db.execute('INSERT INTO interfaces (vpc_id, ip) VALUES (?, ?)', [vpc?.id, '10.0.0.5']);
    await assert.rejects(
      db.execute('INSERT INTO interfaces (vpc_id, ip) VALUES (?, ?)', [vpc?.id, '10.0.0.5']),
      (err: DbError) => {
        assert.ok(isDbError(err));
        assert.equal(err.kind, 'duplicate');
        assert.equal(err.key, 'uq_interfaces_vpc_ip');
        assert.equal(err.errno, 1062);
        assert.equal(err.retryable, false);
        assert.doesNotMatch(err.message, /10\.0\.0\.5/);
        // The driver's error stays as the cause, with the statement but not the values.
        const cause = err.cause as { sql?: string };
        assert.equal(cause.sql, 'INSERT INTO interfaces (vpc_id, ip) VALUES (?, ?)');
        return true;
      },
    );
  });

  it('reports a missing parent row as kind constraint', async () => {
    const { db } = t.open();
    await assert.rejects(
      db.execute('INSERT INTO interfaces (vpc_id, ip) VALUES (?, ?)', [999_999, '10.0.0.9']),
      (err: DbError) => isDbError(err) && err.kind === 'constraint' && err.errno === 1452,
    );
  });

  it('sets idle_transaction_timeout on every session when asked, so stalled clients lose their locks', async () => {
    const { db } = t.open({ idleTransactionTimeoutS: 7 });
    const [row] = await db.query<{ timeout: number | string }>(
      'SELECT @@session.idle_transaction_timeout AS timeout',
    );
    assert.equal(Number(row?.timeout), 7);
  });

  it('reports a bad statement as kind other', async () => {
    const { db } = t.open();
    await assert.rejects(
      db.query('SELECT nope FROM missing_table'),
      (err: DbError) => isDbError(err) && err.kind === 'other' && err.errno === 1146,
    );
  });

  it('reads values the same way on MariaDB and MySQL: UTC dates, JSON text, exact BIGINTs', async () => {
    const { db } = t.open();
    await db.execute(
      'CREATE TABLE kinds (at DATETIME(3), doc JSON, big BIGINT UNSIGNED, small BIGINT) ENGINE=InnoDB',
    );
    const at = new Date('2024-02-29T23:59:58.123Z');
    await db.execute('INSERT INTO kinds VALUES (?, ?, ?, ?)', [
      at,
      JSON.stringify({ a: 1 }),
      '18446744073709551615',
      42,
    ]);
    const [row] = await db.query<{ at: Date; doc: string; big: string; small: number; tz: string }>(
      'SELECT at, doc, big, small, @@session.time_zone AS tz FROM kinds',
    );
    assert.equal(row?.at.toISOString(), at.toISOString());
    assert.deepEqual(JSON.parse(row?.doc ?? ''), { a: 1 });
    assert.equal(row?.big, '18446744073709551615');
    assert.equal(row?.small, 42);
    assert.equal(row?.tz, '+00:00');
  });

  it('answers ping', async () => {
    const { db } = t.open();
    await db.ping();
  });

  it('fails calls after close with kind unavailable', async () => {
    const { db } = t.open();
    await db.query('SELECT 1');
    await db.close();
    await db.close();
    await assert.rejects(db.query('SELECT 1'), (err: DbError) => err.kind === 'unavailable');
    await assert.rejects(
      db.transaction(async () => {}),
      (err: DbError) => err.kind === 'unavailable',
    );
  });

  const queueCases = [
    { desc: 'no caller may wait (queueLimit 0)', queueLimit: 0, waiting: 0 },
    { desc: 'the wait queue is full (queueLimit 1)', queueLimit: 1, waiting: 1 },
  ];
  for (const c of queueCases) {
    it(`fails with kind unavailable when every connection is busy and ${c.desc}`, async () => {
      const { db } = t.open({ connectionLimit: 1, queueLimit: c.queueLimit });
      const holding = signal();
      const release = signal();
      const held = db.transaction(async (tx) => {
        await tx.query('SELECT 1');
        holding.resolve();
        await release.promise;
      });
      await holding.promise;
      const waiters = Array.from({ length: c.waiting }, () => db.query('SELECT 1'));
      await assert.rejects(db.query('SELECT 1'), (err: DbError) => err.kind === 'unavailable');
      release.resolve();
      await held;
      await Promise.all(waiters);
    });
  }
});
