import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeStatement } from './statement.js';

describe('describeStatement', () => {
  const cases = [
    {
      sql: 'SELECT id FROM interfaces WHERE vpc_id = ?',
      verb: 'select',
      span: 'SELECT interfaces',
    },
    {
      sql: 'select * from `vpcs` v join interfaces i on i.vpc_id = v.id',
      verb: 'select',
      span: 'SELECT vpcs',
    },
    { sql: '  /* northd */ SELECT 1 FROM chassis', verb: 'select', span: 'SELECT chassis' },
    { sql: '-- why\nSELECT a FROM vpcd.chassis', verb: 'select', span: 'SELECT vpcd.chassis' },
    { sql: 'SELECT GET_LOCK(?, ?)', verb: 'select', span: 'SELECT' },
    { sql: 'WITH x AS (SELECT 1) SELECT * FROM x', verb: 'select', span: 'SELECT x' },
    { sql: 'INSERT INTO interfaces (id) VALUES ?', verb: 'insert', span: 'INSERT interfaces' },
    { sql: 'INSERT IGNORE INTO `leases` SET a = ?', verb: 'insert', span: 'INSERT leases' },
    { sql: 'REPLACE INTO leases VALUES (?)', verb: 'replace', span: 'REPLACE leases' },
    { sql: 'UPDATE chassis SET epoch = epoch + 1', verb: 'update', span: 'UPDATE chassis' },
    { sql: 'DELETE FROM interfaces WHERE id = ?', verb: 'delete', span: 'DELETE interfaces' },
    {
      sql: 'CREATE TABLE IF NOT EXISTS schema_migrations (id INT)',
      verb: 'create',
      span: 'CREATE schema_migrations',
    },
    {
      sql: 'CREATE UNIQUE INDEX uq_x ON interfaces (ip)',
      verb: 'create',
      span: 'CREATE interfaces',
    },
    { sql: 'ALTER TABLE vpcs ADD COLUMN x INT', verb: 'alter', span: 'ALTER vpcs' },
    { sql: 'DROP TABLE IF EXISTS t1', verb: 'drop', span: 'DROP t1' },
    { sql: 'START TRANSACTION', verb: 'begin', span: 'BEGIN' },
    { sql: 'COMMIT', verb: 'commit', span: 'COMMIT' },
    { sql: 'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', verb: 'set', span: 'SET' },
    { sql: 'EXPLAIN SELECT 1', verb: 'other', span: 'EXPLAIN' },
    { sql: '', verb: 'other', span: 'SQL' },
  ];
  for (const c of cases) {
    it(`names "${c.sql}" ${c.span}`, () => {
      const info = describeStatement(c.sql);
      assert.equal(info.verb, c.verb);
      assert.equal(info.spanName, c.span);
    });
  }
});
