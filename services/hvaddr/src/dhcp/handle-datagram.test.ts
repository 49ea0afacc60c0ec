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
import { rawPacket, testMac } from '@vpcd/dhcp/testing';
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

describe('createDatagramHandler with port identity', () => {
  const macA = '02:00:00:aa:bb:cc';
  const macB = '02:00:00:aa:bb:dd';
  // if-1 (macA) is at ofport 5, if-2 (macB) at ofport 6; ofport 7 attaches no interface.
  const ofports = new Map([
    [5, 'if-1'],
    [6, 'if-2'],
  ]);

  function setUpPorts(ratePerS = 1e9) {
    const registry = createRegistry({ service: 't', collectDefault: false });
    const table = new BindingTable(registry);
    table.replace(
      buildBindings(
        chassisState('c1', [
          { mac: macA, ip: '10.0.0.5' },
          { mac: macB, ip: '10.0.0.6' },
        ]),
      ),
    );
    const sent: Array<{ datagram: Buffer; to: Destination }> = [];
    const handle = createDatagramHandler({
      identity: { kind: 'port', ports: { interfaceOf: (o) => Promise.resolve(ofports.get(o)) } },
      table,
      limiter: new EwmaLimiter({ ratePerS, windowMs: 1000, maxClients: 100 }),
      settings: { leaseTimeS: 3600, mtuBytes: 1450, dnsServers: [] },
      metrics: createHvaddrMetrics(registry),
      serverPort: 67,
      logger: createLogger({ name: 't', level: 'silent' }),
      send: (datagram, to) => {
        sent.push({ datagram, to });
        return Promise.resolve();
      },
    });
    const dropped = async (reason: string) =>
      (await registry.getSingleMetric('hvaddr_dropped_total')?.get())?.values.find(
        (v) => v.labels.reason === reason,
      )?.value ?? 0;
    return { handle, sent, dropped };
  }

  const mac = (text: string) => text.split(':').map((h) => parseInt(h, 16));

  it('answers the interface of the port, to the group at the mark', async () => {
    const { handle, sent } = setUpPorts();
    await handle(rawPacket({ chaddr: mac(macB) }), 6);
    assert.deepEqual(
      sent.map((s) => s.to),
      [{ address: '224.0.0.67', port: 6 }],
    );
    assert.deepEqual([...sent[0]!.datagram.subarray(16, 20)], [10, 0, 0, 6]);
  });

  it('answers a renewal from the port address by unicast to it', async () => {
    const { handle, sent } = setUpPorts();
    const renew = rawPacket({ chaddr: mac(macA), ciaddr: [10, 0, 0, 5], options: [53, 1, 3, 255] });
    await handle(renew, 5);
    assert.deepEqual(sent[0]?.to, { address: '224.0.0.68', port: 5 });
  });

  const drops = [
    { desc: 'claims the MAC of another port', chaddr: macA, mark: 6, reason: 'chaddr_mismatch' },
    { desc: 'comes from a port without interface', chaddr: macA, mark: 7, reason: 'unknown_port' },
    {
      desc: 'carries a relay address',
      chaddr: macA,
      mark: 5,
      reason: 'relayed',
      giaddr: [10, 0, 0, 9],
    },
  ];
  for (const { desc, chaddr, mark, reason, giaddr } of drops) {
    it(`drops and counts a request that ${desc}`, async () => {
      const { handle, sent, dropped } = setUpPorts();
      await handle(rawPacket({ chaddr: mac(chaddr), giaddr }), mark);
      assert.deepEqual(sent, []);
      assert.equal(await dropped(reason), 1);
    });
  }

  it('limits the rate by port, whatever MAC each request claims', async () => {
    const { handle, sent, dropped } = setUpPorts(2);
    for (let i = 0; i < 10; i++) {
      await handle(rawPacket({ chaddr: [2, 0, 0, 0, 0, i] }), 5);
    }
    await handle(rawPacket({ chaddr: mac(macA) }), 5);
    assert.deepEqual(sent, []);
    assert.ok((await dropped('rate_limited')) >= 8);
    await handle(rawPacket({ chaddr: mac(macB) }), 6);
    assert.equal(sent.length, 1, 'another port is not limited');
  });
});
