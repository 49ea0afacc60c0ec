import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHammerError } from '../hammer-error.js';
import { defaultMix, parseCli, type CliOptions } from './args.js';

const grpcOf = (o: CliOptions | undefined) => {
  if (o?.target.kind !== 'grpc') assert.fail(`not a grpc target: ${JSON.stringify(o)}`);
  return o.target.grpc;
};

describe('hammer command line', () => {
  it('takes the address and token from the environment, flags first', () => {
    const env = { NORTHD_ADDR: 'northd:50051', VPCD_TOKEN: 'from-env' };
    assert.equal(grpcOf(parseCli([], env)).address, 'northd:50051');
    assert.equal(grpcOf(parseCli([], env)).token, 'from-env');
    const flagged = parseCli(['--addr', '127.0.0.1:9', '--token', 'flag'], env)!;
    assert.deepEqual([grpcOf(flagged).address, grpcOf(flagged).token], ['127.0.0.1:9', 'flag']);
    assert.equal(grpcOf(parseCli([], {})).address, '127.0.0.1:50051');
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
    assert.deepEqual(grpcOf(o).setup, { vpcs: 2, chassis: undefined, interfacesPerVpc: 0 });
    assert.equal(grpcOf(o).cleanup, true);
    assert.deepEqual(grpcOf(o).vpcIds, ['a', 'b']);
    assert.equal(o.ratePerSecond, 50);
    assert.equal(o.out, 'r/report');
  });

  it('reads --mode dhcp with its own defaults: 127.0.0.1:67, transactions, a 1 s timeout', () => {
    const o = parseCli(['--mode', 'dhcp', '--rate', '20/s'], {})!;
    assert.deepEqual(o.target, {
      kind: 'dhcp',
      dhcp: {
        server: '127.0.0.1:67',
        clients: undefined,
        macPrefix: '02:68:6d',
        relayAddress: undefined,
        callTimeoutMs: 1000,
      },
    });
    assert.deepEqual(o.mix, { transaction: 1 });
    assert.equal(o.ratePerSecond, 20);
  });

  it('reads the DHCP server, clients, MAC prefix, relay and timeout', () => {
    const o = parseCli(
      [
        ...['--mode', 'dhcp', '--server', '10.1.2.3:6767', '--clients', '500'],
        ...['--mac-prefix', 'fa:16:3e', '--relay', '10.1.2.4', '--timeout', '250ms'],
        ...['--mix', 'transaction=3,discover'],
      ],
      {},
    )!;
    assert.deepEqual(o.target, {
      kind: 'dhcp',
      dhcp: {
        server: '10.1.2.3:6767',
        clients: 500,
        macPrefix: 'fa:16:3e',
        relayAddress: '10.1.2.4',
        callTimeoutMs: 250,
      },
    });
    assert.deepEqual(o.mix, { transaction: 3, discover: 1 });
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
    [['--mode', 'udp'], /--mode: "udp" is not grpc or dhcp/],
    [
      ['--mode', 'dhcp', '--addr', 'x:1', '--setup'],
      /--addr, --setup: not an option of --mode dhcp/,
    ],
    [['--clients', '5'], /--clients: not an option of --mode grpc/],
    [['--mode', 'dhcp', '--server', 'localhost:67'], /--server: "localhost:67" is not IPV4:PORT/],
    [['--mode', 'dhcp', '--clients', '0'], /--clients: "0"/],
    [['--mode', 'dhcp', '--mac-prefix', '01:00:5e'], /--mac-prefix: "01:00:5e"/],
    [['--mode', 'dhcp', '--relay', '127.0.0.1'], /--relay: .* other than the server's/],
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
