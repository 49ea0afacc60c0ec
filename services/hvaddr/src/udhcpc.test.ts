// A real DHCP client (busybox udhcpc) in a network namespace, joined to this one by a veth pair,
// gets its lease from hvaddr bound to 0.0.0.0:67, also while many MACs flood the server.
// Needs root, iproute2 and busybox (Debian: iproute2, busybox), and UDP port 67 free.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createRegistry } from '@vpcd/observability';
import { captureLogger, metricValue, skipUnlessRequired } from '@vpcd/observability/testing';
import { loadConfig } from './config.js';
import type { HvaddrDeps } from './deps.js';
import { startHvaddr, type Hvaddr } from './server.js';
import { chassisState, startChassisStub, type ChassisStub } from './testing/chassis-stub.js';
import { eventually } from './testing/eventually.js';
import { createVethNamespace, type VethNamespace } from './testing/netns.js';

const run = promisify(execFile);
/** The DHCP load generator (tools/hammer), run inside the namespace for the flood. */
const hammerMain = fileURLToPath(new URL('../../../tools/hammer/dist/main.js', import.meta.url));
const isRoot = process.getuid?.() === 0;
const clientMac = '02:77:00:00:00:0a';
const maxClients = 500;

/** Fails when another process holds UDP port 67: the test must not share it. */
async function assertPort67Free(): Promise<void> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(67, '0.0.0.0', () => resolve());
    });
  } catch (err) {
    throw new Error(
      `UDP port 67 is in use by another process (${(err as Error).message}); ` +
        'this test runs a DHCP server on it',
      { cause: err },
    );
  } finally {
    await new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

async function assertBusyboxUdhcpc(): Promise<void> {
  const { stdout } = await run('busybox', ['--list']).catch((err: unknown) => {
    throw new Error('busybox is not installed (Debian package busybox)', { cause: err });
  });
  if (!stdout.split('\n').includes('udhcpc')) throw new Error('busybox lacks the udhcpc applet');
}

describe(
  'a real DHCP client in a network namespace',
  { skip: skipUnlessRequired(!isRoot && 'needs root') },
  () => {
    const subnet = `10.77.${randomInt(0, 256)}`;
    let ns: VethNamespace | undefined;
    let stub: ChassisStub | undefined;
    let hvaddr: Hvaddr | undefined;
    let deps: HvaddrDeps;
    let dir: string;

    before(async () => {
      await assertBusyboxUdhcpc();
      await assertPort67Free();
      dir = await mkdtemp(join(tmpdir(), 'hvaddr-udhcpc-'));
      ns = await createVethNamespace({
        hostCidr: `${subnet}.1/24`,
        namespaceCidr: `${subnet}.2/24`,
        namespaceMac: clientMac,
      });
      stub = await startChassisStub(
        chassisState('chassis-1', [{ mac: clientMac, ip: `${subnet}.10`, name: 'web-1' }], {
          cidr: `${subnet}.0/24`,
          gatewayIp: `${subnet}.1`,
        }),
      );
      const config = loadConfig({
        CHASSIS_ID: 'chassis-1',
        NORTHD_ADDR: stub.address,
        DHCP_CLIENT_IDENTITY: 'chaddr',
        DHCP_LISTEN: '0.0.0.0:67',
        DHCP_INTERFACE: ns.hostInterface,
        METRICS_LISTEN: '127.0.0.1:0',
        MAX_CLIENTS: String(maxClients),
        LOG_LEVEL: 'warn',
      });
      deps = {
        logger: captureLogger('warn').logger,
        registry: createRegistry({ service: 'hvaddr', collectDefault: false }),
        tracing: undefined,
      };
      hvaddr = await startHvaddr(config, deps);
      await eventually(() => hvaddr!.bindings.loaded, Boolean, 10_000, 'bindings');
    });

    after(async () => {
      await hvaddr?.stop();
      await stub?.stop();
      await ns?.destroy();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    /** Runs udhcpc once (-q: exit once bound); resolves the variables its script was given. */
    async function lease(name: string): Promise<Record<string, string>> {
      const out = join(dir, `${name}.env`);
      const script = join(dir, `${name}.sh`);
      await writeFile(
        script,
        [
          '#!/bin/sh',
          '[ "$1" = bound ] || exit 0',
          `for v in ip subnet router dns mtu hostname lease serverid broadcast; do`,
          `  eval "echo $v=\\$$v"`,
          `done > ${out}`,
          '',
        ].join('\n'),
      );
      await chmod(script, 0o755);
      await ns!.exec(
        'busybox',
        [
          'udhcpc',
          '-i',
          ns!.namespaceInterface,
          '-f',
          '-q',
          '-n',
          '-t',
          '8',
          '-T',
          '1',
          '-s',
          script,
        ],
        { timeoutMs: 30_000 },
      );
      const text = await readFile(out, 'utf8');
      return Object.fromEntries(
        text
          .trim()
          .split('\n')
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
    }

    it('gets its IPAM address, gateway, MTU and the other options', async () => {
      const env = await lease('plain');
      assert.deepEqual(env, {
        ip: `${subnet}.10`,
        subnet: '255.255.255.0',
        router: `${subnet}.1`,
        dns: `${subnet}.1`,
        mtu: '1450',
        hostname: 'web-1',
        lease: '3600',
        serverid: `${subnet}.1`,
        broadcast: `${subnet}.255`,
      });
    });

    it('still gets its lease while many MACs flood the server, which limits and counts them', async () => {
      const registry = deps.registry;
      const value = async (name: string, labels?: Record<string, string>) =>
        (await metricValue(registry, name, labels)) ?? 0;
      const limitedBefore = await value('hvaddr_rate_limited_total');
      const evictedBefore = await value('hvaddr_client_evictions_total');
      const reports = await mkdtemp(join(tmpdir(), 'hvaddr-flood-'));
      /** DISCOVERs from `clients` MACs at `ratePerS` for 4 s; resolves how many were sent. */
      const flood = async (name: string, clients: number, ratePerS: number, macPrefix: string) => {
        const out = join(reports, name);
        await ns!.exec(
          process.execPath,
          [
            ...[hammerMain, '--mode', 'dhcp', '--mix', 'flood', '--server', `${subnet}.1:67`],
            ...['--relay', `${subnet}.2`, '--clients', String(clients)],
            ...['--mac-prefix', macPrefix, '--rate', `${ratePerS}/s`, '--duration', '4s'],
            ...['--out', out],
          ],
          { timeoutMs: 60_000 },
        );
        const report = JSON.parse(await readFile(`${out}.json`, 'utf8')) as {
          totals: { ok: number };
        };
        return report.totals.ok;
      };
      // Fifty MACs far over the limit, and a sweep of distinct MACs past MAX_CLIENTS.
      const hot = flood('hot', 50, 3000, '02:68:01');
      const sweep = flood('sweep', 6000, 1500, '02:68:02');
      await eventually(
        () => value('hvaddr_rate_limited_total'),
        (n) => n > limitedBefore,
        10_000,
      );
      const env = await lease('flooded');
      assert.equal(env.ip, `${subnet}.10`);
      assert.equal(env.mtu, '1450');
      const [hotSent, sweepSent] = await Promise.all([hot, sweep]);
      await rm(reports, { recursive: true, force: true });
      assert.equal(hotSent, 12000);
      assert.equal(sweepSent, 6000);
      await eventually(
        () => value('hvaddr_packets_received_total'),
        (n) => n >= 12_000,
        10_000,
        'the flood to arrive',
      );
      assert.ok((await value('hvaddr_rate_limited_total')) - limitedBefore > 5000);
      assert.ok((await value('hvaddr_client_evictions_total')) - evictedBefore > 1000);
      assert.ok(hvaddr!.limiter.size <= maxClients, `${hvaddr!.limiter.size} clients tracked`);
      assert.ok((await value('hvaddr_dropped_total', { reason: 'unknown_client' })) > 0);
      assert.ok((await value('hvaddr_requests_total', { type: 'request', result: 'ack' })) >= 2);
    });
  },
);
