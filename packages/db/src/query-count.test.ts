import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database } from './database.js';
import { countQueries } from './query-count.js';
import { signal, testContext, type TestContext } from './test-support.js';

describe('countQueries', () => {
  let t: TestContext;
  let db: Database;
  before(async () => {
    t = await testContext();
    db = t.open().db;
    await db.execute('CREATE TABLE items (id INT PRIMARY KEY) ENGINE=InnoDB');
  });
  after(() => t.cleanup());

  it('counts the statements of its scope, including those in transactions, but not BEGIN or COMMIT', async () => {
    const { result, queries } = await countQueries(async () => {
      await db.query('SELECT 1');
      await db.transaction(async (tx) => {
        await tx.execute('INSERT INTO items (id) VALUES (1)');
        await tx.query('SELECT id FROM items');
      });
      return 'done';
    });
    assert.equal(result, 'done');
    assert.equal(queries, 3);
  });

  it('counts a rolled-back transaction statement by statement', async () => {
    const { queries } = await countQueries(() =>
      db
        .transaction(async (tx) => {
          await tx.query('SELECT 1');
          throw new Error('abort');
        })
        .catch(() => undefined),
    );
    assert.equal(queries, 1);
  });

  it('does not count statements of a concurrent scope', async () => {
    const aStarted = signal();
    const bStarted = signal();
    // The scopes interleave: each waits for the other before its remaining statements.
    const [a, b] = await Promise.all([
      countQueries(async () => {
        await db.query('SELECT 1');
        aStarted.resolve();
        await bStarted.promise;
        await Promise.all([db.query('SELECT 2'), db.query('SELECT 3')]);
      }),
      countQueries(async () => {
        await db.query('SELECT 4');
        bStarted.resolve();
        await aStarted.promise;
        for (let i = 0; i < 4; i++) await db.query('SELECT ?', [i]);
      }),
    ]);
    assert.equal(a.queries, 3);
    assert.equal(b.queries, 5);
  });

  it('counts a nested scope in the enclosing one too', async () => {
    let inner = -1;
    const outer = await countQueries(async () => {
      await db.query('SELECT 1');
      inner = (await countQueries(() => db.query('SELECT 2'))).queries;
    });
    assert.equal(inner, 1);
    assert.equal(outer.queries, 2);
  });

  it('counts failed statements', async () => {
    const { queries } = await countQueries(() => db.query('SELECT * FROM missing').catch(() => []));
    assert.equal(queries, 1);
  });
});
