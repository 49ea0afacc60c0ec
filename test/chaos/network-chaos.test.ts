// Chaos of the network between the services and MySQL / RabbitMQ, under a running write load:
// every service reaches them through fault proxies this suite owns, and each case ends with the
// history checker and the zero-diff audit (see under-load.ts).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChassisServiceClient } from '@vpcd/api';
import { createTestDatabase } from '@vpcd/db/testing';
import { testVhostUrl, type TestVhost } from '@vpcd/messaging/testing';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient } from '@vpcd/rpc';
import { startRegion, type Region } from '../region/local-region.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
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
  let mysqlProxy: FaultProxy;
  let amqpProxy: FaultProxy;
  let vhost: TestVhost;
  let region: Region;

  before(async () => {
    const database = await createTestDatabase();
    vhost = await testVhostUrl();
    [mysqlProxy, amqpProxy] = await Promise.all([proxyTo(database.url), proxyTo(vhost.url)]);
    region = await startRegion({
      runDir: mkdtempSync(join(tmpdir(), 'vpcd-network-chaos-')),
      // Short limits, so each case takes seconds: a statement or a connection attempt that gets
      // no answer fails after 2 s, and an AMQP peer silent for two 2 s heartbeats is dead.
      database: {
        ...database,
        url: through(database.url, mysqlProxy, {
          statementTimeoutMs: '2000',
          connectTimeoutMs: '2000',
        }),
      },
      amqpUrl: through(vhost.url, amqpProxy, { heartbeat: '2' }),
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
    assert.ok(mysqlProxy.stats().accepted > 0, 'the services reach MySQL through the proxy');
    assert.ok(amqpProxy.stats().accepted > 0, 'the services reach RabbitMQ through the proxy');
  });
  after(async () => {
    await region?.stop();
    await Promise.all([mysqlProxy?.close(), amqpProxy?.close()]);
    await vhost?.drop();
  });

  it('50 ms of added latency each way to MySQL and RabbitMQ: writes go on, nothing is lost', async () => {
    try {
      await underLoad(region, 'latency', chassisIds, async () => {
        mysqlProxy.setLatency(50);
        amqpProxy.setLatency(50);
        await sleep(2000);
      });
    } finally {
      mysqlProxy.setLatency(0);
      amqpProxy.setLatency(0);
    }
  });

  it('half-open connections to RabbitMQ: heartbeats find them dead, services reconnect, nothing is lost', async () => {
    await underLoad(region, 'half-open-rabbitmq', chassisIds, async () => {
      amqpProxy.halfOpen();
      try {
        const { cutOff } = amqpProxy.stats();
        assert.ok(cutOff >= region.northds.length + region.southds.length);
        await until(
          () => amqpProxy.stats().cutOffClosedByClient === cutOff,
          'every service gives up its silent connection',
          20_000,
        );
      } finally {
        amqpProxy.heal();
      }
      // heal() dropped every black-holed connection: those open now pass bytes.
      await until(
        () => amqpProxy.stats().open >= region.northds.length + region.southds.length,
        'every service connects again',
        20_000,
      );
    });
  });

  it('half-open connections to MySQL: statements fail UNAVAILABLE instead of hanging, then converge', async () => {
    const { retried } = await underLoad(region, 'half-open-mysql', chassisIds, async () => {
      mysqlProxy.halfOpen();
      try {
        await until(
          () => mysqlProxy.stats().cutOffClosedByClient > 0,
          'northd abandons a connection that does not answer',
          20_000,
        );
        await sleep(2000);
      } finally {
        mysqlProxy.heal();
      }
    });
    assert.ok(
      (retried.get('UNAVAILABLE') ?? 0) > 0,
      `the API answered UNAVAILABLE while MySQL was silent; the load saw ${JSON.stringify([...retried])}`,
    );
  });
});
