// Chaos of the infrastructure under a running write load, on private MariaDB and RabbitMQ
// instances this suite may restart: each case ends with the history
// checker and the zero-diff audit (see under-load.ts).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { privateMariadb, type PrivateMariadb } from '@vpcd/db/testing';
import { privateRabbitmq, type PrivateRabbitmq } from '@vpcd/messaging/testing';
import { createConnection } from 'mysql2/promise';
import { startRegion, type Region } from '../region/local-region.js';
import { underLoad } from './under-load.js';

const chassisIds = ['hv1', 'hv2'];

describe('infrastructure chaos', () => {
  let mariadb: PrivateMariadb;
  let rabbit: PrivateRabbitmq;
  let region: Region;

  before(async () => {
    [mariadb, rabbit] = await Promise.all([privateMariadb(), privateRabbitmq()]);
    const admin = await createConnection(mariadb.url);
    await admin.query('CREATE DATABASE vpcd');
    await admin.end();
    region = await startRegion({
      runDir: mkdtempSync(join(tmpdir(), 'vpcd-infra-chaos-')),
      database: { url: `${mariadb.url}/vpcd`, database: 'vpcd', drop: () => Promise.resolve() },
      amqpUrl: rabbit.url,
      chassis: chassisIds.map((id, i) => ({
        id,
        underlayIp: `192.0.2.${i + 1}`,
        datapath: 'memory' as const,
      })),
    });
  });
  after(async () => {
    await region?.stop();
    await Promise.all([mariadb?.destroy(), rabbit?.close()]);
  });

  it('restart of RabbitMQ: confirmed work survives in the quorum queues, nothing is lost', async () => {
    await underLoad(region, 'restart-rabbitmq', chassisIds, () => rabbit.restart());
  });

  it('restart of MariaDB: the API answers UNAVAILABLE meanwhile, and no write is partial or lost', async () => {
    const { retried } = await underLoad(region, 'restart-mariadb', chassisIds, () =>
      mariadb.restart(),
    );
    assert.ok(
      (retried.get('UNAVAILABLE') ?? 0) > 0,
      `the load saw ${JSON.stringify([...retried])}`,
    );
  });
});
