// Poison messages on the bus under a running write load: states and acks that pass the bus's
// signature check but that no handler can decode, and unsigned ones, published to the converge
// and ack exchanges as a buggy or hostile peer would. Each is dead-lettered and counted at once
// (not redelivered up to the delivery limit), and the converge work around them goes on: the
// case ends with the history checker and the zero-diff audit (see under-load.ts).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { convergeHeaders, messageTypes, queues } from '@vpcd/api';
import { createBroker } from '@vpcd/messaging';
import { testBusKey } from '@vpcd/messaging/testing';
import { createLogger, createRegistry } from '@vpcd/observability';
import { parsePromText, sumOf } from '../bench/common/prom-text.js';
import { startRegion, type Region } from '../region/local-region.js';
import type { ServiceProcess } from '../region/service-process.js';
import { underLoad } from './under-load.js';

const chassisIds = ['hv1', 'hv2'];
/** Field 1 with wire type 7, which protobuf does not have: no decoder takes it. */
const undecodable = Buffer.from([0x0f, 0x0f, 0x0f, 0x0f]);
const poisonEach = 5;

async function metricSum(
  ps: readonly ServiceProcess[],
  name: string,
  where: Record<string, string>,
) {
  let sum = 0;
  for (const p of ps) {
    const text = await (await fetch(`http://127.0.0.1:${p.metricsPort}/metrics`)).text();
    sum += sumOf(parsePromText(text), name, where);
  }
  return sum;
}

describe('poison messages on the bus', () => {
  let region: Region;

  before(async () => {
    region = await startRegion({
      runDir: mkdtempSync(join(tmpdir(), 'vpcd-poison-chaos-')),
      chassis: chassisIds.map((id, i) => ({
        id,
        underlayIp: `192.0.2.${i + 1}`,
        datapath: 'memory' as const,
      })),
    });
  });
  after(async () => {
    await region?.stop();
  });

  it('undecodable states and acks, signed and unsigned: dead-lettered and counted, the rest converges', async () => {
    const quiet = {
      logger: createLogger({ name: 'poison', level: 'silent' }),
      registry: createRegistry({ service: 'poison', collectDefault: false }),
    };
    const signed = createBroker({
      url: region.amqpUrl,
      ...quiet,
      name: 'poison-signed',
      signingKeys: testBusKey.signingKeys,
    });
    const unsigned = createBroker({ url: region.amqpUrl, ...quiet, name: 'poison-unsigned' });
    await Promise.all([signed.start({}), unsigned.start({})]);
    const counts = async () => ({
      // southd counts what it dead-letters; northd's ack consumer counts its rejections.
      states: await metricSum(region.southds, 'southd_dead_lettered_total', {
        reason: 'malformed',
      }),
      statesRefused: await metricSum(region.southds, 'messaging_messages_rejected_total', {
        queue: queues.convergeQueue,
      }),
      acks: await metricSum(region.northds, 'messaging_consumed_total', {
        queue: queues.acksQueue,
        result: 'reject',
      }),
    });
    const before = await counts();
    try {
      await underLoad(region, 'poison', chassisIds, async () => {
        for (let i = 0; i < poisonEach; i++) {
          const headers = {
            [convergeHeaders.chassisId]: chassisIds[i % chassisIds.length]!,
            [convergeHeaders.epoch]: 1,
            [convergeHeaders.generation]: 1,
          };
          await signed.publish(queues.convergeExchange, 'hv1', undecodable, {
            headers,
            type: messageTypes.chassisState,
          });
          await signed.publish(queues.acksExchange, '', undecodable, {
            type: messageTypes.chassisStateAck,
          });
          await unsigned.publish(queues.convergeExchange, 'hv2', undecodable, {
            headers,
            type: messageTypes.chassisState,
          });
        }
        for (let i = 0; ; i++) {
          const now = await counts();
          if (
            now.states - before.states >= poisonEach &&
            now.statesRefused - before.statesRefused >= poisonEach &&
            now.acks - before.acks >= poisonEach
          ) {
            break;
          }
          assert.ok(i < 300, `the poison was not all dead-lettered: ${JSON.stringify(now)}`);
          await sleep(100);
        }
      });
    } finally {
      await Promise.all([signed.close(), unsigned.close()]);
    }
    const now = await counts();
    assert.deepEqual(
      {
        states: now.states - before.states,
        statesRefused: now.statesRefused - before.statesRefused,
        acks: now.acks - before.acks,
      },
      { states: poisonEach, statesRefused: poisonEach, acks: poisonEach },
      'each poison message dead-lettered once, none redelivered',
    );
  });
});
