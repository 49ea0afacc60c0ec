import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DhcpCodecError } from './codec-error.js';
import { Option } from './constants.js';
import { parseDhcp } from './parse.js';
import { serializeDhcp } from './serialize.js';

const mac = Buffer.from([2, 0, 0, 1, 2, 3]);

describe('serializeDhcp', () => {
  it('writes what parseDhcp reads back', () => {
    const datagram = serializeDhcp({
      op: 2,
      xid: 42,
      flags: 0x8000,
      yiaddr: '10.0.0.5',
      giaddr: '10.0.0.254',
      chaddr: mac,
      options: [
        [Option.MESSAGE_TYPE, Uint8Array.of(2)],
        [Option.SERVER_ID, Uint8Array.of(10, 0, 0, 1)],
        [Option.HOST_NAME, Buffer.from('web-1')],
      ],
    });
    const packet = parseDhcp(datagram);
    assert.equal(packet.op, 2);
    assert.equal(packet.xid, 42);
    assert.equal(packet.flags, 0x8000);
    assert.equal(packet.yiaddr, '10.0.0.5');
    assert.equal(packet.giaddr, '10.0.0.254');
    assert.equal(packet.hlen, 6);
    assert.deepEqual([...packet.options.keys()], [53, 54, 12]);
    assert.equal(packet.options.get(Option.HOST_NAME)!.toString(), 'web-1');
  });

  it('pads to the 300 bytes of BOOTP', () => {
    const datagram = serializeDhcp({ op: 2, xid: 1, chaddr: mac, options: [] });
    assert.equal(datagram.length, 300);
    assert.equal(datagram[240], Option.END);
  });

  it('splits a value longer than 255 bytes into repeated options', () => {
    const long = Buffer.alloc(600, 0x61);
    const datagram = serializeDhcp({ op: 2, xid: 1, chaddr: mac, options: [[224, long]] });
    assert.deepEqual(parseDhcp(datagram).options.get(224), long);
    assert.equal(datagram.length, 240 + 3 * 2 + 600 + 1);
  });

  const bad: Array<{ desc: string; init: Parameters<typeof serializeDhcp>[0] }> = [
    {
      desc: 'an address that is not one',
      init: { op: 2, xid: 1, chaddr: mac, yiaddr: '10.0.0', options: [] },
    },
    {
      desc: 'a chaddr of 17 bytes',
      init: { op: 2, xid: 1, chaddr: Buffer.alloc(17), options: [] },
    },
    { desc: 'an xid over 32 bits', init: { op: 2, xid: 2 ** 32, chaddr: mac, options: [] } },
    {
      desc: 'option code 255',
      init: { op: 2, xid: 1, chaddr: mac, options: [[255, Uint8Array.of(1)]] },
    },
  ];
  for (const { desc, init } of bad) {
    it(`refuses ${desc} with bad_field`, () => {
      assert.throws(
        () => serializeDhcp(init),
        (err: unknown) => DhcpCodecError.is(err) && err.code === 'bad_field',
      );
    });
  }
});
