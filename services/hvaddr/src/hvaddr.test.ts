import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRegistry } from '@vpcd/observability';
import { captureLogger, metricValue } from '@vpcd/observability/testing';
import {
  addressOption,
  discoverPacket,
  formatMac,
  MessageType,
  messageTypeOf,
  Option,
  requestPacket,
  sequentialMacs,
} from '@vpcd/dhcp';
import { loadConfig } from './config.js';
import type { HvaddrDeps } from './deps.js';
import { rawPacket, type RawPacketFields, runDiscoverFlood } from '@vpcd/dhcp/testing';
import { startHvaddr, type Hvaddr } from './server.js';
import { chassisState, startChassisStub, type ChassisStub } from './testing/chassis-stub.js';
import { eventually } from './testing/eventually.js';
import { openRelayClient, type RelayClient } from './testing/relay-client.js';

const bound = sequentialMacs(3, { prefix: Uint8Array.of(2, 0xaa, 0) });
const relay = [127, 0, 0, 2];

describe('hvaddr', () => {
  let stub: ChassisStub;
  let hvaddr: Hvaddr;
  let deps: HvaddrDeps;
  let client: RelayClient;
  let xid = 1;
  const dropped = (reason: string) =>
    metricValue(deps.registry, 'hvaddr_dropped_total', { reason }).then((v) => v ?? 0);

  before(async () => {
    stub = await startChassisStub(
      chassisState(
        'chassis-1',
        bound.map((mac, i) => ({
          mac: formatMac(mac),
          ip: `10.0.0.${10 + i}`,
          name: `vm-${i}`,
        })),
      ),
    );
    const config = loadConfig({
      CHASSIS_ID: 'chassis-1',
      NORTHD_ADDR: stub.address,
      VPCD_TOKEN: 'token-for-northd',
      DHCP_CLIENT_IDENTITY: 'chaddr',
      DHCP_LISTEN: '127.0.0.1:0',
      METRICS_LISTEN: '127.0.0.1:0',
      BINDINGS_REFRESH_MS: '200',
      MAX_CLIENTS: '1000',
      RATE_LIMIT_PER_S: '5',
      LOG_LEVEL: 'warn',
    });
    deps = {
      logger: captureLogger('warn').logger,
      registry: createRegistry({ service: 'hvaddr', collectDefault: false }),
      tracing: undefined,
    };
    hvaddr = await startHvaddr(config, deps);
    await eventually(() => hvaddr.bindings.loaded, Boolean, 10_000, 'bindings');
    client = await openRelayClient({ host: '127.0.0.1', port: hvaddr.dhcpPort });
  });

  after(async () => {
    await client.close();
    await hvaddr.stop();
    await stub.stop();
  });

  it('leases a bound interface its IPAM address through DISCOVER, OFFER, REQUEST, ACK', async () => {
    const mac = bound[0]!;
    const offer = await client.exchange(
      discoverPacket({ mac, xid: xid++, giaddr: client.address }),
    );
    assert.ok(offer, 'an offer');
    assert.equal(messageTypeOf(offer), MessageType.OFFER);
    assert.equal(offer.yiaddr, '10.0.0.10');
    assert.equal(offer.giaddr, '127.0.0.2');
    const ack = await client.exchange(
      requestPacket({
        mac,
        xid: xid++,
        giaddr: client.address,
        serverId: addressOption(offer, Option.SERVER_ID)!,
        requestedIp: offer.yiaddr,
      }),
    );
    assert.ok(ack, 'an ack');
    assert.equal(messageTypeOf(ack), MessageType.ACK);
    assert.equal(ack.yiaddr, '10.0.0.10');
    assert.equal(ack.options.get(Option.INTERFACE_MTU)?.readUInt16BE(0), 1450);
    assert.equal(ack.options.get(Option.HOST_NAME)?.toString(), 'vm-0');
    assert.equal(
      await metricValue(deps.registry, 'hvaddr_requests_total', { type: 'request', result: 'ack' }),
      1,
    );
    assert.equal(stub.lastAuthorization, 'Bearer token-for-northd');
  });

  it('stays silent to a MAC that is not bound here, and counts it', async () => {
    const before = await dropped('unknown_client');
    const mac = Uint8Array.of(2, 0xbb, 0, 0, 0, 1);
    const reply = await client.exchange(
      discoverPacket({ mac, xid: xid++, giaddr: client.address }),
      300,
    );
    assert.equal(reply, undefined);
    assert.equal(await dropped('unknown_client'), before + 1);
  });

  const malformed: Array<{ reason: string; fields?: RawPacketFields; datagram?: Buffer }> = [
    { reason: 'truncated', datagram: Buffer.from('not dhcp') },
    { reason: 'bad_op', fields: { op: 0 } },
    { reason: 'bad_hardware_length', fields: { hlen: 200 } },
    { reason: 'bad_cookie', fields: { cookie: 0xdeadbeef } },
    { reason: 'option_overflow', fields: { options: [53, 1, 1, 61, 250, 1] } },
    { reason: 'missing_end', fields: { options: [53, 1, 1] } },
    { reason: 'bad_option_length', fields: { options: [53, 0, 255] } },
    { reason: 'bad_overload', fields: { options: [53, 1, 1, 52, 1, 9, 255] } },
    { reason: 'not_request', fields: { op: 2 } },
    { reason: 'unsupported_hardware', fields: { htype: 6 } },
    { reason: 'not_dhcp', fields: { options: [255] } },
    { reason: 'unsupported_message_type', fields: { options: [53, 1, 5, 255] } },
  ];
  for (const { reason, fields, datagram } of malformed) {
    it(`drops and counts a datagram with reason ${reason}`, async () => {
      const before = await dropped(reason);
      client.send(datagram ?? rawPacket({ ...fields, giaddr: relay, chaddr: [...bound[1]!] }));
      await eventually(
        () => dropped(reason),
        (n) => n === before + 1,
        5000,
        reason,
      );
    });
  }

  it('limits a client over its rate, counts it, and still answers others', async () => {
    const flooder = bound[1]!;
    const limitedBefore = await metricValue(deps.registry, 'hvaddr_rate_limited_total');
    const offers = client.replies.length;
    for (let i = 0; i < 30; i++) {
      client.send(discoverPacket({ mac: flooder, xid: xid++, giaddr: client.address }));
    }
    await eventually(
      () => metricValue(deps.registry, 'hvaddr_rate_limited_total'),
      (n) => (n ?? 0) >= (limitedBefore ?? 0) + 20,
      5000,
      'rate-limited requests',
    );
    assert.ok(client.replies.length - offers <= 10, 'at most a burst was answered');
    const other = await client.exchange(
      discoverPacket({ mac: bound[2]!, xid: xid++, giaddr: client.address }),
    );
    assert.equal(other && messageTypeOf(other), MessageType.OFFER);
    assert.ok((await metricValue(deps.registry, 'hvaddr_client_request_rate_count'))! >= 2);
  });

  it('keeps client state bounded under a flood of distinct MACs', async () => {
    const received = async () =>
      (await metricValue(deps.registry, 'hvaddr_packets_received_total')) ?? 0;
    const before = await received();
    const macs = sequentialMacs(10_000);
    await runDiscoverFlood({
      target: { host: '127.0.0.1', port: hvaddr.dhcpPort },
      macs,
      ratePerS: 5_000,
      packets: macs.length,
    });
    // The kernel may drop some of the flood; what the server read is what it had to track.
    let read = -1;
    for (let now = await received(); now !== read; now = await received()) {
      read = now;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(read - before > 2000, `the server read ${read - before} of the flood`);
    assert.ok((await metricValue(deps.registry, 'hvaddr_client_evictions_total'))! > 500);
    assert.ok(hvaddr.limiter.size <= 1000, `${hvaddr.limiter.size} clients tracked`);
    assert.equal(await metricValue(deps.registry, 'hvaddr_clients_capacity'), 1000);
  });

  it('exports the connection, pool and bindings metrics', async () => {
    const r = deps.registry;
    assert.ok((await metricValue(r, 'hvaddr_packets_received_total'))! > 10);
    assert.ok((await metricValue(r, 'hvaddr_packets_sent_total'))! >= 3);
    assert.ok((await metricValue(r, 'hvaddr_bytes_received_total'))! > 3000);
    assert.ok((await metricValue(r, 'hvaddr_bytes_sent_total'))! >= 900);
    assert.equal(await metricValue(r, 'hvaddr_workers_capacity'), 64);
    assert.equal(await metricValue(r, 'hvaddr_bindings'), 3);
    const page = await fetch(`http://127.0.0.1:${hvaddr.metricsPort}/metrics`).then((res) =>
      res.text(),
    );
    for (const name of [
      'hvaddr_dropped_total',
      'hvaddr_client_request_rate_bucket',
      'hvaddr_workers_in_flight',
    ]) {
      assert.match(page, new RegExp(`^${name}`, 'm'));
    }
    const ready = await fetch(`http://127.0.0.1:${hvaddr.metricsPort}/readyz`);
    assert.equal(ready.status, 200);
  });

  it('serves an interface bound after start once northd reports it', async () => {
    const mac = Uint8Array.of(2, 0xaa, 0, 0, 0, 0x63);
    stub.setState(chassisState('chassis-1', [{ mac: '02:aa:00:00:00:63', ip: '10.0.0.99' }]));
    await eventually(() => hvaddr.bindings.get('02:aa:00:00:00:63'), Boolean, 5000, 'binding');
    const offer = await client.exchange(
      discoverPacket({ mac, xid: xid++, giaddr: client.address }),
    );
    assert.equal(offer?.yiaddr, '10.0.0.99');
  });
});
