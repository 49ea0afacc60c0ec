import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Binding } from '../bindings/binding.js';
import {
  addressOption,
  MessageType,
  messageTypeOf,
  Option,
  parseDhcp,
  serializeDhcp,
} from '@vpcd/dhcp';
import { rawPacket } from '@vpcd/dhcp/testing';
import { classifyRequest } from './classify.js';
import { respond, type RequestResult } from './responder.js';

const binding: Binding = {
  interfaceId: 'if-1',
  vpcId: 'vpc-1',
  mac: '02:00:00:aa:bb:cc',
  ip: '10.0.0.5',
  subnetMask: '255.255.255.0',
  gateway: '10.0.0.1',
  broadcastAddress: '10.0.0.255',
  hostname: 'web-1',
};
const settings = { leaseTimeS: 3600, mtuBytes: 1450, dnsServers: [] };

const ip = (text: string) => text.split('.').map(Number);

function answer(options: number[], ciaddr?: number[]) {
  const request = parseDhcp(rawPacket({ options: [...options, 255], ciaddr }));
  const classified = classifyRequest(request);
  assert.ok(classified.ok);
  const response = respond(request, classified.type, binding, settings);
  const reply = response.reply && parseDhcp(serializeDhcp(response.reply));
  return { response, reply };
}

describe('respond', () => {
  it('offers the IPAM address with every configuration option', () => {
    const { response, reply } = answer([53, 1, MessageType.DISCOVER]);
    assert.equal(response.result, 'offer');
    assert.ok(reply);
    assert.equal(messageTypeOf(reply), MessageType.OFFER);
    assert.equal(reply.op, 2);
    assert.equal(reply.xid, 0x12345678);
    assert.equal(reply.yiaddr, '10.0.0.5');
    assert.equal(addressOption(reply, Option.SERVER_ID), '10.0.0.1');
    assert.equal(addressOption(reply, Option.SUBNET_MASK), '255.255.255.0');
    assert.equal(addressOption(reply, Option.ROUTER), '10.0.0.1');
    assert.equal(addressOption(reply, Option.DNS_SERVERS), '10.0.0.1');
    assert.equal(addressOption(reply, Option.BROADCAST_ADDRESS), '10.0.0.255');
    assert.equal(reply.options.get(Option.INTERFACE_MTU)!.readUInt16BE(0), 1450);
    assert.equal(reply.options.get(Option.LEASE_TIME)!.readUInt32BE(0), 3600);
    assert.equal(reply.options.get(Option.RENEWAL_TIME)!.readUInt32BE(0), 1800);
    assert.equal(reply.options.get(Option.REBINDING_TIME)!.readUInt32BE(0), 3150);
    assert.equal(reply.options.get(Option.HOST_NAME)!.toString(), 'web-1');
  });

  it('lists the configured DNS servers instead of the gateway', () => {
    const request = parseDhcp(rawPacket({ options: [53, 1, 1, 255] }));
    const response = respond(request, 'discover', binding, {
      ...settings,
      dnsServers: ['192.0.2.53', '192.0.2.54'],
    });
    const reply = parseDhcp(serializeDhcp(response.reply!));
    assert.deepEqual([...reply.options.get(Option.DNS_SERVERS)!], [192, 0, 2, 53, 192, 0, 2, 54]);
  });

  const requests: Array<{
    desc: string;
    options: number[];
    ciaddr?: number[];
    result: RequestResult;
  }> = [
    {
      desc: 'selecting this server and its offer',
      options: [53, 1, 3, 54, 4, ...ip('10.0.0.1'), 50, 4, ...ip('10.0.0.5')],
      result: 'ack',
    },
    {
      desc: 'selecting this server with another address',
      options: [53, 1, 3, 54, 4, ...ip('10.0.0.1'), 50, 4, ...ip('10.0.0.6')],
      result: 'nak',
    },
    {
      desc: 'selecting another server',
      options: [53, 1, 3, 54, 4, ...ip('10.9.9.9'), 50, 4, ...ip('10.0.0.5')],
      result: 'ignored',
    },
    {
      desc: 'init-reboot with its address',
      options: [53, 1, 3, 50, 4, ...ip('10.0.0.5')],
      result: 'ack',
    },
    {
      desc: 'init-reboot with an address from another network',
      options: [53, 1, 3, 50, 4, ...ip('192.168.1.5')],
      result: 'nak',
    },
    { desc: 'renewing its address', options: [53, 1, 3], ciaddr: ip('10.0.0.5'), result: 'ack' },
    {
      desc: 'renewing another address',
      options: [53, 1, 3],
      ciaddr: ip('10.0.0.7'),
      result: 'nak',
    },
    { desc: 'naming no address at all', options: [53, 1, 3], result: 'nak' },
    { desc: 'a decline', options: [53, 1, 4, 50, 4, ...ip('10.0.0.5')], result: 'declined' },
    { desc: 'a release', options: [53, 1, 7], ciaddr: ip('10.0.0.5'), result: 'released' },
  ];
  for (const { desc, options, ciaddr, result } of requests) {
    it(`answers ${desc} with ${result}`, () => {
      const { response, reply } = answer(options, ciaddr);
      assert.equal(response.result, result);
      if (result === 'ack') assert.equal(reply && messageTypeOf(reply), MessageType.ACK);
      if (result === 'nak') {
        assert.ok(reply);
        assert.equal(messageTypeOf(reply), MessageType.NAK);
        assert.equal(reply.yiaddr, '0.0.0.0');
        assert.equal(reply.options.has(Option.LEASE_TIME), false);
      }
      if (['ignored', 'declined', 'released'].includes(result)) assert.equal(reply, undefined);
    });
  }

  it('acks an INFORM with configuration but no address or lease', () => {
    const { response, reply } = answer([53, 1, MessageType.INFORM], ip('10.0.0.5'));
    assert.equal(response.result, 'ack');
    assert.ok(reply);
    assert.equal(reply.yiaddr, '0.0.0.0');
    assert.equal(reply.ciaddr, '10.0.0.5');
    assert.equal(reply.options.has(Option.LEASE_TIME), false);
    assert.equal(addressOption(reply, Option.ROUTER), '10.0.0.1');
  });

  it('omits the host name when the interface name is not one', () => {
    const request = parseDhcp(rawPacket());
    const response = respond(request, 'discover', { ...binding, hostname: undefined }, settings);
    const reply = parseDhcp(serializeDhcp(response.reply!));
    assert.equal(reply.options.has(Option.HOST_NAME), false);
  });
});
