import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DbError, hasKind, isDbError } from './db-error.js';
import { duplicateKey, type DbErrorKind } from './error-kind.js';

/** Builds an error shaped like mysql2's. */
function driverError(fields: Record<string, unknown>, message = 'boom'): Error {
  return Object.assign(new Error(message), fields);
}

describe('DbError.from', () => {
  const cases: Array<{ desc: string; err: unknown; kind: DbErrorKind }> = [
    {
      desc: 'connection refused',
      err: driverError({ code: 'ECONNREFUSED', errno: -111 }),
      kind: 'unavailable',
    },
    { desc: 'connection reset', err: driverError({ code: 'ECONNRESET' }), kind: 'unavailable' },
    { desc: 'connect timeout', err: driverError({ code: 'ETIMEDOUT' }), kind: 'unavailable' },
    {
      desc: 'connection lost',
      err: driverError({ code: 'PROTOCOL_CONNECTION_LOST', fatal: true }),
      kind: 'unavailable',
    },
    {
      desc: 'too many connections',
      err: driverError({ code: 'ER_CON_COUNT_ERROR', errno: 1040 }),
      kind: 'unavailable',
    },
    { desc: 'server shutdown', err: driverError({ errno: 1053 }), kind: 'unavailable' },
    { desc: 'read-only (1290)', err: driverError({ errno: 1290 }), kind: 'unavailable' },
    { desc: 'read-only (1836)', err: driverError({ errno: 1836 }), kind: 'unavailable' },
    { desc: 'pool queue full', err: new Error('Queue limit reached.'), kind: 'unavailable' },
    { desc: 'pool closed', err: new Error('Pool is closed.'), kind: 'unavailable' },
    {
      desc: 'an unknown fatal error',
      err: driverError({ code: 'SOMETHING', fatal: true }),
      kind: 'unavailable',
    },
    {
      desc: 'duplicate entry',
      err: driverError({ errno: 1062, code: 'ER_DUP_ENTRY' }),
      kind: 'duplicate',
    },
    {
      desc: 'deadlock',
      err: driverError({ errno: 1213, code: 'ER_LOCK_DEADLOCK' }),
      kind: 'deadlock',
    },
    { desc: 'lock wait timeout', err: driverError({ errno: 1205 }), kind: 'timeout' },
    {
      desc: 'query timeout',
      err: driverError({ code: 'PROTOCOL_SEQUENCE_TIMEOUT' }),
      kind: 'timeout',
    },
    { desc: 'foreign key: parent missing', err: driverError({ errno: 1452 }), kind: 'constraint' },
    { desc: 'foreign key: child exists', err: driverError({ errno: 1451 }), kind: 'constraint' },
    { desc: 'CHECK (MySQL)', err: driverError({ errno: 3819 }), kind: 'constraint' },
    { desc: 'CHECK (MariaDB)', err: driverError({ errno: 4025 }), kind: 'constraint' },
    {
      desc: 'syntax error',
      err: driverError({ errno: 1064, code: 'ER_PARSE_ERROR' }),
      kind: 'other',
    },
    { desc: 'a plain Error', err: new Error('nope'), kind: 'other' },
    { desc: 'a string', err: 'nope', kind: 'other' },
    { desc: 'undefined', err: undefined, kind: 'other' },
  ];
  for (const c of cases) {
    it(`classifies ${c.desc} as ${c.kind}`, () => {
      const err = DbError.from(c.err);
      assert.equal(err.kind, c.kind);
      assert.equal(err.cause, c.err);
      assert.equal(err.retryable, ['unavailable', 'deadlock', 'timeout'].includes(c.kind));
    });
  }

  it('returns a DbError as it is', () => {
    const err = new DbError('deadlock', 'x');
    assert.equal(DbError.from(err), err);
  });

  it('keeps errno, sqlState and code', () => {
    const err = DbError.from(
      driverError({ errno: 1213, sqlState: '40001', code: 'ER_LOCK_DEADLOCK' }),
    );
    assert.deepEqual([err.errno, err.sqlState, err.code], [1213, '40001', 'ER_LOCK_DEADLOCK']);
  });

  it('names the duplicate key and leaves the duplicate value out of its message', () => {
    const err = DbError.from(
      driverError(
        {
          errno: 1062,
          sqlMessage: "Duplicate entry 's3cret' for key 'interfaces.uq_interfaces_vpc_ip'",
        },
        "Duplicate entry 's3cret' for key 'interfaces.uq_interfaces_vpc_ip'",
      ),
    );
    assert.equal(err.key, 'uq_interfaces_vpc_ip');
    assert.doesNotMatch(err.message, /s3cret/);
  });
});

describe('duplicateKey', () => {
  const cases = [
    {
      message: "Duplicate entry '10.0.0.5-1' for key 'uq_interfaces_vpc_ip'",
      want: 'uq_interfaces_vpc_ip',
    },
    {
      message: "Duplicate entry '10.0.0.5-1' for key 'interfaces.uq_interfaces_vpc_ip'",
      want: 'uq_interfaces_vpc_ip',
    },
    { message: "Duplicate entry 'for key 'x'' for key 'PRIMARY'", want: 'PRIMARY' },
    { message: 'something else', want: undefined },
  ];
  for (const c of cases) {
    it(`finds ${String(c.want)} in "${c.message}"`, () => {
      assert.equal(duplicateKey(c.message), c.want);
    });
  }
});

describe('isDbError and hasKind', () => {
  it('recognise a DbError by its brand, not its class', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('vpcd.db.DbError')]: true });
    assert.ok(isDbError(foreign));
    assert.ok(!isDbError(new Error('x')));
    assert.ok(hasKind(driverError({ errno: 1062 }), 'duplicate'));
    assert.ok(!hasKind(driverError({ errno: 1062 }), 'deadlock'));
  });
});
