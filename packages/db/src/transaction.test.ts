import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isDbError, type DbError } from './db-error.js';
import type { Queryable } from './session.js';
import { metricValue, signal, testContext, type TestContext } from './test-support.js';

describe('Database.transaction', () => {
  let t: TestContext;
  before(async () => {
    t = await testContext();
    const { db } = t.open();
    await db.execute(
      'CREATE TABLE accounts (id INT PRIMARY KEY, balance INT NOT NULL) ENGINE=InnoDB',
    );
  });
  after(() => t.cleanup());

  const reset = async (rows: Array<[number, number]>) => {
    const { db } = t.open();
    await db.execute('DELETE FROM accounts');
    await db.execute('INSERT INTO accounts (id, balance) VALUES ?', [rows]);
  };
  const balances = async () => {
    const { db } = t.open();
    const rows = await db.query<{ id: number; balance: number }>(
      'SELECT id, balance FROM accounts ORDER BY id',
    );
    return rows.map((r) => [r.id, r.balance]);
  };

  it('commits when the callback resolves and returns its result', async () => {
    await reset([[1, 100]]);
    const { db, registry } = t.open();
    const result = await db.transaction(async (tx) => {
      await tx.execute('UPDATE accounts SET balance = balance - 10 WHERE id = 1');
      await tx.execute('INSERT INTO accounts (id, balance) VALUES (2, 10)');
      return 'moved';
    });
    assert.equal(result, 'moved');
    assert.deepEqual(await balances(), [
      [1, 90],
      [2, 10],
    ]);
    assert.equal(
      await metricValue(registry, 'db_transactions_total', { db: 'main', outcome: 'committed' }),
      1,
    );
  });

  it('rolls everything back when the callback throws, and rethrows its error as it is', async () => {
    await reset([[1, 100]]);
    const { db, registry } = t.open();
    const mine = new Error('insufficient funds');
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.execute('UPDATE accounts SET balance = balance - 500 WHERE id = 1');
        await tx.execute('INSERT INTO accounts (id, balance) VALUES (2, 500)');
        throw mine;
      }),
      (err) => err === mine,
    );
    assert.deepEqual(await balances(), [[1, 100]]);
    assert.equal(
      await metricValue(registry, 'db_transactions_total', { db: 'main', outcome: 'rolled_back' }),
      1,
    );
  });

  it('runs both of two deadlocked transactions to completion by retrying the victim', async () => {
    await reset([
      [1, 0],
      [2, 0],
    ]);
    const { db, registry } = t.open();
    const firstLocked = signal();
    const secondLocked = signal();
    let attempts = 0;
    // Each locks one row, waits until the other holds its row, then asks for the other's row.
    const transfer = (
      mine: number,
      theirs: number,
      locked: typeof firstLocked,
      other: typeof firstLocked,
    ) =>
      db.transaction(async (tx) => {
        attempts += 1;
        await tx.query('SELECT id FROM accounts WHERE id = ? FOR UPDATE', [mine]);
        locked.resolve();
        await other.promise;
        await tx.query('SELECT id FROM accounts WHERE id = ? FOR UPDATE', [theirs]);
        await tx.execute('UPDATE accounts SET balance = balance + 1 WHERE id IN (?, ?)', [
          mine,
          theirs,
        ]);
      });
    await Promise.all([
      transfer(1, 2, firstLocked, secondLocked),
      transfer(2, 1, secondLocked, firstLocked),
    ]);
    assert.equal(attempts, 3);
    assert.deepEqual(await balances(), [
      [1, 2],
      [2, 2],
    ]);
    const count = (outcome: string) =>
      metricValue(registry, 'db_transactions_total', { db: 'main', outcome });
    assert.equal(await count('retried'), 1);
    assert.equal(await count('committed'), 2);
    assert.equal(
      await metricValue(registry, 'db_queries_total', {
        db: 'main',
        verb: 'select',
        outcome: 'deadlock',
      }),
      1,
    );
  });

  it('gives up with kind deadlock when retries are used up, even if the callback swallowed it', async () => {
    await reset([
      [1, 0],
      [2, 0],
    ]);
    const { db } = t.open();
    const firstLocked = signal();
    const secondLocked = signal();
    const outcomes: unknown[] = [];
    const lockBoth = (
      mine: number,
      theirs: number,
      locked: typeof firstLocked,
      other: typeof firstLocked,
    ) =>
      db
        .transaction(
          async (tx) => {
            await tx.query('SELECT id FROM accounts WHERE id = ? FOR UPDATE', [mine]);
            locked.resolve();
            await other.promise;
            // Swallowing the error must not commit a transaction the server has rolled back.
            await tx
              .query('SELECT id FROM accounts WHERE id = ? FOR UPDATE', [theirs])
              .catch(() => []);
            await tx.execute('UPDATE accounts SET balance = balance + 1 WHERE id = ?', [mine]);
          },
          { retries: 0 },
        )
        .then(
          () => outcomes.push('committed'),
          (err: unknown) => outcomes.push(err),
        );
    await Promise.all([
      lockBoth(1, 2, firstLocked, secondLocked),
      lockBoth(2, 1, secondLocked, firstLocked),
    ]);
    const failed = outcomes.filter(isDbError);
    assert.equal(failed.length, 1);
    assert.equal((failed[0] as DbError).kind, 'deadlock');
    const total = (await balances()).reduce((sum, [, balance]) => sum + (balance ?? 0), 0);
    assert.equal(total, 1, 'only the winner wrote');
  });

  const isolationCases = [
    { isolation: undefined, secondRead: 2 },
    { isolation: 'READ COMMITTED' as const, secondRead: 2 },
    { isolation: 'REPEATABLE READ' as const, secondRead: 1 },
  ];
  for (const c of isolationCases) {
    it(`under ${c.isolation ?? 'the default isolation'} reads ${c.secondRead === 2 ? 'a commit made meanwhile' : 'its first snapshot'}`, async () => {
      await reset([[1, 1]]);
      const { db } = t.open();
      const reads = await db.transaction(
        async (tx) => {
          const read = async () =>
            (await tx.query<{ balance: number }>('SELECT balance FROM accounts WHERE id = 1'))[0]
              ?.balance;
          const first = await read();
          await db.execute('UPDATE accounts SET balance = 2 WHERE id = 1');
          return [first, await read()];
        },
        { isolation: c.isolation },
      );
      assert.deepEqual(reads, [1, c.secondRead]);
    });
  }

  it('refuses a transaction handle used after its transaction ended', async () => {
    const { db } = t.open();
    let leaked: Queryable | undefined;
    await db.transaction(async (tx) => {
      leaked = tx;
      await tx.query('SELECT 1');
    });
    await assert.rejects(
      leaked!.query('SELECT 1'),
      (err: DbError) => isDbError(err) && err.kind === 'other',
    );
  });

  it('refuses a negative retry count', async () => {
    const { db } = t.open();
    await assert.rejects(
      db.transaction(async () => {}, { retries: -1 }),
      (err: DbError) => isDbError(err) && err.kind === 'other',
    );
  });
});
