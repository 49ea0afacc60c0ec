import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isDbError, type DbError } from './db-error.js';
import { migrate, type Migration } from './migrate.js';
import { signal, testContext, type TestContext } from './test-support.js';

// CREATE TABLE without IF NOT EXISTS: applying a migration twice would fail.
const migrations: Migration[] = [
  { id: 1, name: 'vpcs', statements: ['CREATE TABLE vpcs (id BIGINT PRIMARY KEY) ENGINE=InnoDB'] },
  {
    id: 2,
    name: 'interfaces',
    statements: [
      'CREATE TABLE interfaces (id BIGINT PRIMARY KEY, vpc_id BIGINT NOT NULL) ENGINE=InnoDB',
      'CREATE INDEX ix_interfaces_vpc ON interfaces (vpc_id)',
    ],
  },
  {
    id: 3,
    name: 'chassis',
    statements: ['CREATE TABLE chassis (id VARCHAR(64) PRIMARY KEY) ENGINE=InnoDB'],
  },
];

describe('migrate', () => {
  let t: TestContext;
  beforeEach(async () => {
    t = await testContext();
  });
  afterEach(() => t.cleanup());

  const ledger = async () => {
    const { db } = t.open();
    const rows = await db.query<{ id: number; name: string }>(
      'SELECT id, name FROM schema_migrations ORDER BY id',
    );
    return rows.map((r) => [Number(r.id), r.name]);
  };

  it('applies every migration in id order once, and nothing when run again', async () => {
    const { db } = t.open();
    assert.deepEqual(await migrate(db, [migrations[2]!, migrations[0]!, migrations[1]!]), {
      applied: [1, 2, 3],
    });
    assert.deepEqual(await migrate(db, migrations), { applied: [] });
    assert.deepEqual(await ledger(), [
      [1, 'vpcs'],
      [2, 'interfaces'],
      [3, 'chassis'],
    ]);
    await db.query('SELECT id, vpc_id FROM interfaces');
  });

  it('applies only the migrations added since the last run', async () => {
    const { db } = t.open();
    await migrate(db, migrations.slice(0, 1));
    assert.deepEqual(await migrate(db, migrations), { applied: [2, 3] });
  });

  it('applies each migration exactly once when two processes migrate at the same time', async () => {
    const first = t.open().db;
    const second = t.open().db;
    const results = await Promise.all([migrate(first, migrations), migrate(second, migrations)]);
    const applied = results.flatMap((r) => r.applied).sort((a, b) => a - b);
    assert.deepEqual(applied, [1, 2, 3]);
    assert.deepEqual(
      results.map((r) => r.applied.length).sort(),
      [0, 3],
      'one migrator applies everything, the other waits on the lock and finds nothing to do',
    );
    assert.equal((await ledger()).length, 3);
  });

  it("waits for another migrator's lock longer than the pool's statement timeout", async () => {
    const { db: holder } = t.open();
    const { db } = t.open({ statementTimeoutMs: 100 });
    const held = signal();
    const release = signal();
    const holding = holder.withConnection(async (c) => {
      await c.query("SELECT GET_LOCK('vpcd_migrate', 10)");
      held.resolve();
      await release.promise;
      await c.query("SELECT RELEASE_LOCK('vpcd_migrate')");
    });
    await held.promise;
    const migrating = migrate(db, migrations);
    await new Promise((r) => setTimeout(r, 500));
    release.resolve();
    await holding;
    assert.deepEqual((await migrating).applied, [1, 2, 3]);
  });

  it('refuses a statement timeout that would cut the wait for the lock short', async () => {
    const { db } = t.open();
    await assert.rejects(
      migrate(db, migrations, { lockTimeoutMs: 5000, statementTimeoutMs: 5000 }),
      (err: DbError) => err.kind === 'other' && /must exceed lockTimeoutMs/.test(err.message),
    );
  });

  it('refuses a database that has a migration this build does not know', async () => {
    const { db } = t.open();
    await migrate(db, migrations);
    await assert.rejects(migrate(db, migrations.slice(0, 2)), (err: DbError) => {
      assert.ok(isDbError(err));
      assert.equal(err.kind, 'other');
      assert.match(err.message, /migration 3 \(chassis\), unknown to this build/);
      return true;
    });
  });

  it('refuses a list whose migration has another name than the applied one', async () => {
    const { db } = t.open();
    await migrate(db, migrations.slice(0, 1));
    const renamed = [{ ...migrations[0]!, name: 'networks' }];
    await assert.rejects(migrate(db, renamed), (err: DbError) => err.kind === 'other');
  });

  it('reports the failing migration and statement and records nothing for it', async () => {
    const { db } = t.open();
    const broken: Migration = { id: 4, name: 'broken', statements: ['CREATE TABLE vpcs (id INT)'] };
    await assert.rejects(migrate(db, [...migrations, broken]), (err: DbError) => {
      assert.equal(err.kind, 'other');
      assert.match(err.message, /migration 4 \(broken\) failed at statement 1/);
      return true;
    });
    assert.equal((await ledger()).length, 3);
  });

  const invalid: Array<{ desc: string; list: Migration[] }> = [
    { desc: 'a repeated id', list: [migrations[0]!, { ...migrations[1]!, id: 1 }] },
    { desc: 'a zero id', list: [{ ...migrations[0]!, id: 0 }] },
    { desc: 'no statements', list: [{ ...migrations[0]!, statements: [] }] },
  ];
  for (const c of invalid) {
    it(`refuses a list with ${c.desc} before touching the database`, async () => {
      const { db } = t.open();
      await assert.rejects(migrate(db, c.list), (err: DbError) => err.kind === 'other');
      const tables = await db.query("SHOW TABLES LIKE 'schema_migrations'");
      assert.equal(tables.length, 0);
    });
  }
});
