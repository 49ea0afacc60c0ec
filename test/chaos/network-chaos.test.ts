// Chaos of the network between the services and MySQL / RabbitMQ, and between southd and
// hvflowd, under a running write load: every northd reaches MySQL and RabbitMQ through fault
// proxies of its own, the southds reach RabbitMQ through one more, and southd reaches each
// hvflowd through one in front of it (the address the hvflowd registers). Partitions are between
// one pair of parts at a time, symmetric or one-way. Each case ends with the history checker and
// the zero-diff audit (see under-load.ts).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChassisServiceClient } from '@vpcd/api';
import { createTestDatabase } from '@vpcd/db/testing';
import { testVhostUrl, type TestVhost } from '@vpcd/messaging/testing';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient } from '@vpcd/rpc';
import { startRegion, type Region } from '../region/local-region.js';
import { startFaultProxy, type FaultProxy, type PartitionDirection } from './fault-proxy.js';
import { underLoad } from './under-load.js';

const chassisIds = ['hv1', 'hv2'];

/** `url` with its host and port replaced by the proxy's and `params` added to its query. */
function through(url: string, proxy: FaultProxy, params: Record<string, string>): string {
  const rewritten = new URL(url);
  rewritten.hostname = proxy.host;
  rewritten.port = String(proxy.port);
  for (const [key, value] of Object.entries(params)) rewritten.searchParams.set(key, value);
  return rewritten.toString();
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Each of `proxies` does `what`. */
function each(proxies: readonly FaultProxy[], what: (p: FaultProxy) => void): void {
  for (const p of proxies) what(p);
}

/** A statistic summed over `proxies`. */
function total(proxies: readonly FaultProxy[], stat: 'cutOff' | 'cutOffClosedByClient' | 'open') {
  return proxies.reduce((sum, p) => sum + p.stats()[stat], 0);
}

function proxyTo(url: string): Promise<FaultProxy> {
  const { hostname, port, protocol } = new URL(url);
  const fallback = protocol === 'mysql:' ? 3306 : 5672;
  return startFaultProxy({ upstreamHost: hostname, upstreamPort: port ? Number(port) : fallback });
}

/** Polls until `check` holds; fails with `what` after `timeoutMs`. */
async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    assert.ok(Date.now() < deadline, `not within ${timeoutMs} ms: ${what}`);
    await sleep(50);
  }
}

describe('network chaos', () => {
  /** Between northd i and MySQL (southd has no database). */
  let mysqlProxies: FaultProxy[];
  /** Between northd i and RabbitMQ. */
  let northdAmqpProxies: FaultProxy[];
  /** Between every southd and RabbitMQ. */
  let southdAmqpProxy: FaultProxy;
  /** In front of the hvflowd of chassis i: what southd delivers states through. */
  let hvflowdProxies: FaultProxy[];
  let vhost: TestVhost;
  let region: Region;
  const amqpProxies = () => [...northdAmqpProxies, southdAmqpProxy];

  before(async () => {
    const database = await createTestDatabase();
    vhost = await testVhostUrl();
    const hvflowdPorts = await Promise.all(chassisIds.map(() => freePort()));
    [mysqlProxies, northdAmqpProxies, southdAmqpProxy, hvflowdProxies] = await Promise.all([
      Promise.all([0, 1].map(() => proxyTo(database.url))),
      Promise.all([0, 1].map(() => proxyTo(vhost.url))),
      proxyTo(vhost.url),
      // Each hvflowd listens on a port chosen here, so that its proxy exists before it starts
      // (it registers the proxy's address) and a restarted one is found on the same port.
      Promise.all(
        hvflowdPorts.map((port) =>
          startFaultProxy({ upstreamHost: '127.0.0.1', upstreamPort: port }),
        ),
      ),
    ]);
    // Short limits, so each case takes seconds: a statement or a connection attempt that gets
    // no answer fails after 2 s, and an AMQP peer silent for two 2 s heartbeats is dead.
    const mysqlUrl = (i: number) =>
      through(database.url, mysqlProxies[i]!, {
        statementTimeoutMs: '2000',
        connectTimeoutMs: '2000',
      });
    const amqpUrl = (proxy: FaultProxy) => through(vhost.url, proxy, { heartbeat: '2' });
    region = await startRegion({
      runDir: mkdtempSync(join(tmpdir(), 'vpcd-network-chaos-')),
      database: { ...database, url: mysqlUrl(0) },
      amqpUrl: amqpUrl(southdAmqpProxy),
      northdEnv: (i) => ({ MYSQL_URL: mysqlUrl(i), AMQP_URL: amqpUrl(northdAmqpProxies[i]!) }),
      hvflowdEnv: (i) => ({
        GRPC_LISTEN: `127.0.0.1:${hvflowdPorts[i]!}`,
        HVFLOWD_ADDR: `127.0.0.1:${hvflowdProxies[i]!.port}`,
      }),
      chassis: chassisIds.map((id, i) => ({
        id,
        underlayIp: `192.0.2.${i + 1}`,
        datapath: 'memory' as const,
      })),
    });
    const chassis = createClient(ChassisServiceClient, {
      logger: createLogger({ name: 'chaos', level: 'silent' }),
      registry: createRegistry({ service: 'chaos', collectDefault: false }),
      address: region.northdAddr,
      bearerToken: region.adminToken,
      tls: region.clientTls,
    });
    for (const id of chassisIds) {
      for (
        let i = 0;
        !(await chassis.getChassis({ id }).then(
          () => true,
          () => false,
        ));
        i++
      ) {
        assert.ok(i < 300, `${id} never registered`);
        await sleep(100);
      }
    }
    chassis.close();
    for (const [what, proxies] of [
      ['northd reaches MySQL', mysqlProxies],
      ['northd and southd reach RabbitMQ', amqpProxies()],
    ] as const) {
      assert.ok(
        proxies.every((p) => p.stats().accepted > 0),
        `${what} through the proxies`,
      );
    }
  });
  after(async () => {
    await region?.stop();
    const proxies = [mysqlProxies, northdAmqpProxies, [southdAmqpProxy], hvflowdProxies];
    await Promise.all(proxies.flat().map((p) => p?.close()));
    await vhost?.drop();
  });

  it('50 ms of added latency each way to MySQL and RabbitMQ: writes go on, nothing is lost', async () => {
    try {
      await underLoad(region, 'latency', chassisIds, async () => {
        each([...mysqlProxies, ...amqpProxies()], (p) => p.setLatency(50));
        await sleep(2000);
      });
    } finally {
      each([...mysqlProxies, ...amqpProxies()], (p) => p.setLatency(0));
    }
  });

  it('half-open connections to RabbitMQ: heartbeats find them dead, services reconnect, nothing is lost', async () => {
    await underLoad(region, 'half-open-rabbitmq', chassisIds, async () => {
      each(amqpProxies(), (p) => p.halfOpen());
      try {
        const cutOff = total(amqpProxies(), 'cutOff');
        assert.ok(cutOff >= region.northds.length + region.southds.length);
        await until(
          () => total(amqpProxies(), 'cutOffClosedByClient') === cutOff,
          'every service gives up its silent connection',
          20_000,
        );
      } finally {
        each(amqpProxies(), (p) => p.heal());
      }
      // heal() dropped every black-holed connection: those open now pass bytes.
      await until(
        () => total(amqpProxies(), 'open') >= region.northds.length + region.southds.length,
        'every service connects again',
        20_000,
      );
    });
  });

  it('half-open connections to MySQL: statements fail UNAVAILABLE instead of hanging, then converge', async () => {
    const { retried } = await underLoad(region, 'half-open-mysql', chassisIds, async () => {
      each(mysqlProxies, (p) => p.halfOpen());
      try {
        await until(
          () => total(mysqlProxies, 'cutOffClosedByClient') > 0,
          'northd abandons a connection that does not answer',
          20_000,
        );
        await sleep(2000);
      } finally {
        each(mysqlProxies, (p) => p.heal());
      }
    });
    assert.ok(
      (retried.get('UNAVAILABLE') ?? 0) > 0,
      `the API answered UNAVAILABLE while MySQL was silent; the load saw ${JSON.stringify([...retried])}`,
    );
  });
  /**
   * Partitions `proxy` in `direction` until its client gave up a connection it cut (its own
   * timeout or heartbeat found the silence) and `meanwhile` is done (a second by default), then
   * heals it.
   */
  const partitioned = async (
    proxy: FaultProxy,
    direction: PartitionDirection,
    what: string,
    meanwhile: () => Promise<void> = () => sleep(1000),
  ) => {
    proxy.partition(direction);
    try {
      assert.ok(proxy.stats().cutOff > 0, `${what}: a connection was open when cut`);
      await until(() => proxy.stats().cutOffClosedByClient > 0, `${what} noticed`, 20_000);
      await meanwhile();
    } finally {
      proxy.heal();
    }
  };

  /** Waits until northd-1 owns every chassis, as northd-1's API tells. */
  const northd1OwnsAll = async () => {
    const chassis = createClient(ChassisServiceClient, {
      logger: createLogger({ name: 'chaos', level: 'silent' }),
      registry: createRegistry({ service: 'chaos', collectDefault: false }),
      address: `127.0.0.1:${region.northds[1]!.grpcPort}`,
      bearerToken: region.adminToken,
      tls: region.clientTls,
    });
    try {
      for (let i = 0; ; i++) {
        const { chassis: all } = await chassis.listChassis({ pageSize: 1000, pageToken: '' });
        const mine = all.filter((c) => chassisIds.includes(c.id));
        if (mine.length === chassisIds.length && mine.every((c) => c.owner === 'northd-1')) return;
        assert.ok(
          i < 200,
          `northd-1 did not take every chassis: ${JSON.stringify(mine.map((c) => c.owner))}`,
        );
        await sleep(100);
      }
    } finally {
      chassis.close();
    }
  };

  // Symmetric, and one-way losing the answers: statements that ran, whose outcome northd never
  // learns (the history checker's indeterminate writes).
  for (const direction of ['both', 'to-client'] as const) {
    it(`partition ${direction} between northd-0 and MySQL: northd-1 takes its chassis, nothing is lost`, async () => {
      await underLoad(region, `mysql-partition-${direction}`, chassisIds, () =>
        partitioned(mysqlProxies[0]!, direction, 'northd-0 and MySQL', northd1OwnsAll),
      );
    });
  }

  // Symmetric, and one-way losing what northd sends: its publishes vanish, their confirms never
  // come, while the broker's heartbeats still reach it.
  for (const direction of ['both', 'to-upstream'] as const) {
    it(`partition ${direction} between northd-0 and RabbitMQ: its work waits, then converges`, async () => {
      await underLoad(region, `rabbitmq-partition-${direction}`, chassisIds, () =>
        partitioned(northdAmqpProxies[0]!, direction, 'northd-0 and RabbitMQ'),
      );
    });
  }

  // Symmetric, and one-way losing hvflowd's answers: it applies states whose delivery southd
  // sees time out, and retries.
  for (const direction of ['both', 'to-client'] as const) {
    it(`partition ${direction} between southd and the hvflowd of hv1: deliveries retry, then converge`, async () => {
      const proxy = hvflowdProxies[0]!;
      assert.ok(proxy.stats().accepted > 0, 'southd reaches the hvflowd of hv1 through the proxy');
      await underLoad(region, `hvflowd-partition-${direction}`, chassisIds, async () => {
        proxy.partition(direction);
        try {
          assert.ok(proxy.stats().cutOff > 0, 'southd was connected to the hvflowd of hv1');
          // Two heartbeat intervals: states for hv1 are delivered meanwhile, and time out.
          await sleep(4000);
        } finally {
          proxy.heal();
        }
      });
    });
  }
  /**
   * A MariaDB that stalls on fsync, approximated by the fault proxies holding every answer from
   * MariaDB to every northd for 3 s (FaultProxy.stall): the server still executes and commits what
   * it is sent, and its clients hear nothing until the stall ends, as when commits wait on a
   * stalled disk. A stall past the 2 s statement timeout turns writes indeterminate: their
   * commits may have happened. (FLUSH TABLES WITH READ LOCK would block writes more faithfully,
   * but on the MariaDB server that every suite shares.)
   */
  it('MariaDB answers nothing for 3 s (an fsync stall): writes fail or go through whole, then converge', async () => {
    const { retried } = await underLoad(region, 'mysql-stall', chassisIds, async () => {
      each(mysqlProxies, (p) => p.stall());
      try {
        await sleep(3000);
      } finally {
        each(mysqlProxies, (p) => p.heal());
      }
    });
    assert.ok(
      (retried.get('UNAVAILABLE') ?? 0) + (retried.get('DEADLINE_EXCEEDED') ?? 0) > 0,
      `the API gave up on statements that hung; the load saw ${JSON.stringify([...retried])}`,
    );
  });
});
