import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFloodArgs } from './flood-args.js';

describe('parseFloodArgs', () => {
  it('reads a discover flood with defaults', () => {
    const args = parseFloodArgs(['--target', '127.0.0.1:6767', '--clients', '100000']);
    assert.equal(args.mode, 'discover');
    assert.deepEqual(args.target, { host: '127.0.0.1', port: 6767 });
    assert.equal(args.packets, 100_000);
    assert.equal(args.ratePerS, 1000);
  });

  it('reads a transactions run', () => {
    const args = parseFloodArgs([
      ...['--target', '127.0.0.1:6767', '--mode', 'transactions', '--mac-prefix', '02:aa:bb'],
      ...['--concurrency', '8', '--duration-ms', '2000'],
    ]);
    assert.equal(args.mode, 'transactions');
    assert.deepEqual([...args.macPrefix!], [2, 0xaa, 0xbb]);
    assert.equal(args.ratePerS, undefined);
    assert.equal(args.concurrency, 8);
  });

  it('names every bad flag', () => {
    assert.throws(
      () =>
        parseFloodArgs([
          '--target',
          'localhost',
          '--mode',
          'x',
          '--clients',
          '0',
          '--rate',
          'fast',
        ]),
      /--target.*--mode.*--clients.*--rate|--target/,
    );
  });
});
