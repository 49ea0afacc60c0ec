import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createLogger, createRegistry } from '@vpcd/observability';
import type { Registry } from 'prom-client';
import { BindingTable } from '../bindings/binding-table.js';
import { buildBindings } from '../bindings/build-bindings.js';
import { EwmaLimiter } from '../limit/ewma-limiter.js';
import { createHvaddrMetrics } from '../metrics.js';
import { chassisState } from '../testing/chassis-stub.js';
import { rawPacket, testMac } from '../testing/raw-packet.js';
import { createDatagramHandler } from './handle-datagram.js';
import type { Destination } from './destination.js';

async function total(registry: Registry, name: string): Promise<number> {
  const metric = registry.getSingleMetric(name);
  const { values } = (await metric?.get()) ?? { values: [] };
  return values.reduce((sum, v) => sum + v.value, 0);
}

function setUp() {
  const registry = createRegistry({ service: 't', collectDefault: false });
  const table = new BindingTable(registry);
  table.replace(buildBindings(chassisState('c1', [{ mac: '02:00:00:aa:bb:cc', ip: '10.0.0.5' }])));
  const sent: Array<{ datagram: Buffer; to: Destination }> = [];
  const handle = createDatagramHandler({
    table,
    limiter: new EwmaLimiter({ ratePerS: 1e9, windowMs: 1000, maxClients: 100 }),
    settings: { leaseTimeS: 3600, mtuBytes: 1450, dnsServers: [] },
    metrics: createHvaddrMetrics(registry),
    serverPort: 67,
    logger: createLogger({ name: 't', level: 'silent' }),
    send: (datagram, to) => {
      sent.push({ datagram, to });
      return Promise.resolve();
    },
  });
  return { registry, handle, sent };
}

describe('createDatagramHandler', () => {
  it('answers a DISCOVER of a bound MAC by broadcast', async () => {
    const { handle, sent } = setUp();
    await handle(rawPacket(), 68);
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0]!.to, { address: '255.255.255.255', port: 68 });
  });

  it('counts every datagram once, as dropped or handled, whatever its bytes', async () => {
    const { registry, handle } = setUp();
    // Options of a bound client's request, with random bytes and lengths spliced in.
    const options = fc
      .array(fc.tuple(fc.nat(255), fc.nat(12), fc.uint8Array({ maxLength: 12 })), { maxLength: 8 })
      .map((triples) => [
        53,
        1,
        ...[1, 3, 4, 7, 8],
        ...triples.flatMap(([code, length, bytes]) => [code, length, ...bytes]),
        255,
      ]);
    let datagrams = 0;
    await fc.assert(
      fc.asyncProperty(
        options,
        fc.nat(4),
        fc.array(fc.nat(255), { maxLength: 4 }),
        async (opts, typeIndex, ciaddr) => {
          const message = [...opts];
          message[2] = [1, 3, 4, 7, 8][typeIndex]!;
          message.splice(3, 5);
          datagrams += 1;
          await handle(rawPacket({ options: message, chaddr: testMac, ciaddr }), 68);
        },
      ),
      { numRuns: 2000 },
    );
    const counted =
      (await total(registry, 'hvaddr_dropped_total')) +
      (await total(registry, 'hvaddr_requests_total'));
    assert.equal(counted, datagrams);
  });
});
