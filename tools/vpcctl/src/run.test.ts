import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { vpcctl } from './test-support.js';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('vpcctl command line', () => {
  it('prints the help on --help and exits 0', async () => {
    const r = await vpcctl(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /vpc create NAME --cidr CIDR/);
    assert.match(r.stdout, /--addr HOST:PORT/);
  });

  it("narrows the help to a group's commands", async () => {
    const r = await vpcctl(['interface', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /interface create/);
    assert.doesNotMatch(r.stdout, /vpc create/);
  });

  const usageCases: Array<{ desc: string; argv: string[]; want: RegExp }> = [
    { desc: 'no command', argv: [], want: /no command given/ },
    { desc: 'an unknown command', argv: ['vpc', 'frob'], want: /unknown command "vpc frob"/ },
    { desc: 'a missing argument', argv: ['vpc', 'get'], want: /vpc get: missing ID/ },
    { desc: 'an extra argument', argv: ['vpc', 'get', 'a', 'b'], want: /unexpected argument "b"/ },
    { desc: 'an unknown option', argv: ['vpc', 'list', '--frob'], want: /unknown option '--frob'/ },
    {
      desc: "another command's option",
      argv: ['vpc', 'get', 'x', '--cidr', '10.0.0.0/16'],
      want: /vpc get: --cidr does not apply here/,
    },
    {
      desc: 'a required option left out',
      argv: ['vpc', 'create', 'a'],
      want: /--cidr is required/,
    },
    {
      desc: 'a bad output format',
      argv: ['vpc', 'list', '-o', 'yaml'],
      want: /"yaml" is not table or json/,
    },
    {
      desc: 'a bad timeout',
      argv: ['vpc', 'list', '--timeout', 'soon'],
      want: /--timeout: "soon"/,
    },
    { desc: 'a bad limit', argv: ['vpc', 'list', '--limit', '0'], want: /--limit: "0"/ },
    {
      desc: 'interface list without a filter',
      argv: ['interface', 'list'],
      want: /exactly one of --vpc and --chassis/,
    },
    {
      desc: 'a client certificate without its key',
      argv: ['vpc', 'list', '--tls-cert', '/nonexistent/cert.pem'],
      want: /--tls-cert: cannot read .*; --tls-cert and --tls-key go together/,
    },
  ];
  for (const c of usageCases) {
    it(`exits 2 with a usage line for ${c.desc}`, async () => {
      const r = await vpcctl(c.argv);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      const [first, ...rest] = r.stderr.trimEnd().split('\n');
      assert.match(first!, /^vpcctl: /);
      assert.match(first!, c.want);
      assert.match(rest.join('\n'), /usage: vpcctl /);
    });
  }

  it('says UNAVAILABLE on one line, naming the address, when northd does not answer', async () => {
    const address = `127.0.0.1:${await closedPort()}`;
    const r = await vpcctl(['vpc', 'list', '--timeout', '5s'], { NORTHD_ADDR: address });
    assert.equal(r.code, 1);
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
    assert.match(r.stderr, /^vpcctl: UNAVAILABLE: .*\(northd at 127\.0\.0\.1:\d+\)\n$/);
    assert.match(r.stderr, new RegExp(address.replace(/\./g, '\\.')));
  });

  it('takes --addr over NORTHD_ADDR', async () => {
    const address = `127.0.0.1:${await closedPort()}`;
    const r = await vpcctl(['chassis', 'list', '--addr', address], { NORTHD_ADDR: '127.0.0.1:1' });
    assert.match(r.stderr, new RegExp(`northd at ${address.replace(/\./g, '\\.')}`));
  });
});
