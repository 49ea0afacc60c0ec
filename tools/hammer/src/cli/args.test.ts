import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHammerError } from '../hammer-error.js';
import { defaultMix, parseCli } from './args.js';

describe('hammer command line', () => {
  it('takes the address and token from the environment, flags first', () => {
    const env = { NORTHD_ADDR: 'northd:50051', VPCD_TOKEN: 'from-env' };
    assert.equal(parseCli([], env)!.grpc.address, 'northd:50051');
    assert.equal(parseCli([], env)!.grpc.token, 'from-env');
    const flagged = parseCli(['--addr', '127.0.0.1:9', '--token', 'flag'], env)!;
    assert.deepEqual([flagged.grpc.address, flagged.grpc.token], ['127.0.0.1:9', 'flag']);
    assert.equal(parseCli([], {})!.grpc.address, '127.0.0.1:50051');
  });

  it('defaults to a closed loop of the default mix for 30 s', () => {
    const o = parseCli([], {})!;
    assert.equal(o.durationMs, 30_000);
    assert.equal(o.ratePerSecond, undefined);
    assert.equal(o.concurrency, undefined);
    assert.equal(Object.keys(o.mix).join(','), defaultMix.replace(/=\d+/g, ''));
  });

  it('reads the setup sizes, ids and output path', () => {
    const o = parseCli(
      [
        ...['--setup', '--setup-vpcs', '2', '--setup-interfaces', '0', '--cleanup'],
        ...['--vpc', 'a', '--vpc', 'b', '--rate', '50/s', '--out', 'r/report'],
      ],
      {},
    )!;
    assert.deepEqual(o.grpc.setup, { vpcs: 2, chassis: undefined, interfacesPerVpc: 0 });
    assert.equal(o.grpc.cleanup, true);
    assert.deepEqual(o.grpc.vpcIds, ['a', 'b']);
    assert.equal(o.ratePerSecond, 50);
    assert.equal(o.out, 'r/report');
  });

  it('returns nothing for --help', () => assert.equal(parseCli(['-h'], {}), undefined));

  const bad: Array<[string[], RegExp]> = [
    [['--rate', '10', '--concurrency', '2'], /exclude each other/],
    [['--rate', 'fast'], /--rate: "fast"/],
    [['--concurrency', '0'], /--concurrency: "0"/],
    [['--duration', 'x', '--timeout', 'y'], /--duration: "x".*--timeout: "y"/],
    [['--mix', 'getVpc=0'], /--mix: "getVpc=0"/],
    [['--setup-vpcs', '2'], /need --setup/],
    [['--setup', '--setup-vpcs', '65'], /at most 64/],
    [['--frob'], /Unknown option '--frob'/],
    [['positional'], /positional/],
  ];
  for (const [argv, want] of bad) {
    it(`refuses ${argv.join(' ')} as a usage error`, () => {
      assert.throws(
        () => parseCli(argv, {}),
        (err) => isHammerError(err) && err.kind === 'usage' && want.test(err.message),
      );
    });
  }
});
