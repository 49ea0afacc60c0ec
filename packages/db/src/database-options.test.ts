import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { compileOptions, type DatabaseOptions } from './database-options.js';
import { isDbError } from './db-error.js';
import { silentLogger } from './test-support.js';

const base = { logger: silentLogger, registry: new Registry() };

describe('compileOptions', () => {
  it('takes the URL apart and applies the defaults', () => {
    const o = compileOptions({ ...base, url: 'mysql://app:p%40ss@db.internal:3307/vpcd' });
    assert.deepEqual(
      { ...o },
      {
        host: 'db.internal',
        port: 3307,
        user: 'app',
        password: 'p@ss',
        database: 'vpcd',
        connectionLimit: 10,
        queueLimit: 1000,
        connectTimeoutMs: 5000,
        statementTimeoutMs: 10_000,
        keepAliveDelayMs: 30_000,
        name: 'main',
        idleTransactionTimeoutS: 0,
      },
    );
    assert.ok(Object.isFrozen(o));
  });

  it('reads limits from the URL query', () => {
    const o = compileOptions({ ...base, url: 'mysql://root@h/db?connectionLimit=3&queueLimit=0' });
    assert.equal(o.connectionLimit, 3);
    assert.equal(o.queueLimit, 0);
    assert.equal(o.port, 3306);
  });

  it('reads the statement timeout and keepalive delay from the URL query; 0 turns them off', () => {
    const o = compileOptions({
      ...base,
      url: 'mysql://root@h/db?statementTimeoutMs=0&keepAliveDelayMs=0&connectTimeoutMs=2000',
    });
    assert.deepEqual([o.statementTimeoutMs, o.keepAliveDelayMs, o.connectTimeoutMs], [0, 0, 2000]);
  });

  const invalid: Array<{ desc: string; options: Partial<DatabaseOptions>; problem: RegExp }> = [
    { desc: 'a URL that does not parse', options: { url: 'nope' }, problem: /not a URL/ },
    { desc: 'another scheme', options: { url: 'postgres://u@h/db' }, problem: /scheme/ },
    {
      desc: 'an unknown parameter',
      options: { url: 'mysql://u@h/db?pool=3' },
      problem: /pool is unknown/,
    },
    {
      desc: 'a limit given twice, differently',
      options: { url: 'mysql://u@h/db?connectionLimit=3', connectionLimit: 4 },
      problem: /connectionLimit is 4 in the options but 3 in the url/,
    },
    {
      desc: 'a zero connection limit',
      options: { url: 'mysql://u@h/db', connectionLimit: 0 },
      problem: /connectionLimit must be/,
    },
    { desc: 'no user', options: { url: 'mysql://h/db' }, problem: /no user/ },
    {
      desc: 'a negative statement timeout',
      options: { url: 'mysql://u@h/db', statementTimeoutMs: -1 },
      problem: /statementTimeoutMs must be an integer >= 0/,
    },
    {
      desc: 'a keepalive delay that is not a number',
      options: { url: 'mysql://u@h/db?keepAliveDelayMs=soon' },
      problem: /keepAliveDelayMs must be an integer >= 0/,
    },
  ];
  for (const c of invalid) {
    it(`refuses ${c.desc}, without echoing the password`, () => {
      assert.throws(
        () => compileOptions({ ...base, url: '', ...c.options }),
        (err) => {
          assert.ok(isDbError(err));
          assert.equal(err.kind, 'other');
          assert.match(err.message, c.problem);
          return true;
        },
      );
    });
  }

  it('never puts the password in an error', () => {
    assert.throws(
      () => compileOptions({ ...base, url: 'mysql://u:hunter2@h/db?bad=1' }),
      (err: Error) => !err.message.includes('hunter2'),
    );
  });
});
