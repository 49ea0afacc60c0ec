import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rawPacket } from './testing/raw-packet.js';
import { DhcpCodecError, type DhcpCodecErrorCode } from './codec-error.js';
import { Option } from './constants.js';
import { addressOption, hardwareAddressOf, messageTypeOf } from './packet.js';
import { parseDhcp } from './parse.js';

describe('parseDhcp', () => {
  it('reads the header fields and options of a DISCOVER', () => {
    const packet = parseDhcp(
      rawPacket({
        xid: 0xdeadbeef,
        giaddr: [10, 0, 0, 9],
        options: [53, 1, 1, 50, 4, 10, 0, 0, 5, 55, 3, 1, 3, 6, 255],
      }),
    );
    assert.equal(packet.op, 1);
    assert.equal(packet.xid, 0xdeadbeef);
    assert.equal(packet.giaddr, '10.0.0.9');
    assert.equal(packet.ciaddr, '0.0.0.0');
    assert.equal(hardwareAddressOf(packet), '02:00:00:aa:bb:cc');
    assert.equal(messageTypeOf(packet), 1);
    assert.equal(addressOption(packet, Option.REQUESTED_IP), '10.0.0.5');
    assert.deepEqual([...packet.options.get(Option.PARAMETER_REQUEST_LIST)!], [1, 3, 6]);
  });

  it('skips Pad options and ignores bytes after End', () => {
    const packet = parseDhcp(rawPacket({ options: [0, 0, 53, 1, 3, 0, 255, 99, 99, 99] }));
    assert.equal(messageTypeOf(packet), 3);
    assert.equal(packet.options.size, 1);
  });

  it('concatenates the values of a repeated option (RFC 3396)', () => {
    const packet = parseDhcp(
      rawPacket({ options: [53, 1, 1, 12, 2, 0x61, 0x62, 12, 1, 0x63, 255] }),
    );
    assert.equal(packet.options.get(Option.HOST_NAME)!.toString(), 'abc');
  });

  it('reads options from file and sname when option 52 says so, options field first', () => {
    const packet = parseDhcp(
      rawPacket({
        options: [53, 1, 1, 52, 1, 3, 12, 1, 0x61, 255],
        file: [12, 1, 0x62, 50, 4, 10, 0, 0, 7, 255],
        sname: [12, 1, 0x63, 255],
      }),
    );
    assert.equal(packet.options.get(Option.HOST_NAME)!.toString(), 'abc');
    assert.equal(addressOption(packet, Option.REQUESTED_IP), '10.0.0.7');
  });

  it('treats sname and file as opaque without option 52', () => {
    const packet = parseDhcp(rawPacket({ file: [1, 200], sname: [0xff, 0x01] }));
    assert.equal(packet.options.size, 1);
    assert.equal(packet.file[1], 200);
  });

  const malformed: Array<{ desc: string; datagram: Buffer; code: DhcpCodecErrorCode }> = [
    { desc: 'an empty datagram', datagram: Buffer.alloc(0), code: 'truncated' },
    { desc: 'a header cut short', datagram: rawPacket().subarray(0, 100), code: 'truncated' },
    { desc: 'no magic cookie', datagram: rawPacket().subarray(0, 239), code: 'truncated' },
    { desc: 'op 7', datagram: rawPacket({ op: 7 }), code: 'bad_op' },
    { desc: 'hlen 17', datagram: rawPacket({ hlen: 17 }), code: 'bad_hardware_length' },
    {
      desc: 'a wrong magic cookie',
      datagram: rawPacket({ cookie: 0x63825364 }),
      code: 'bad_cookie',
    },
    { desc: 'a BOOTP vendor area', datagram: rawPacket({ cookie: 0 }), code: 'bad_cookie' },
    {
      desc: 'an option longer than the datagram',
      datagram: rawPacket({ options: [53, 1, 1, 12, 200, 0x61] }),
      code: 'option_overflow',
    },
    {
      desc: 'an option code with no length byte',
      datagram: rawPacket({ options: [53, 1, 1, 12] }),
      code: 'option_overflow',
    },
    {
      desc: 'an option running past the end of file',
      datagram: rawPacket({
        options: [53, 1, 1, 52, 1, 1, 255],
        file: [...Array<number>(120).fill(0), 12, 20, 0x61],
      }),
      code: 'option_overflow',
    },
    {
      desc: 'options without End',
      datagram: rawPacket({ options: [53, 1, 1] }),
      code: 'missing_end',
    },
    {
      desc: 'no options at all',
      datagram: rawPacket({ options: [] }),
      code: 'missing_end',
    },
    {
      desc: 'an overloaded sname without End',
      datagram: rawPacket({ options: [53, 1, 1, 52, 1, 2, 255], sname: [12, 1, 0x61] }),
      code: 'missing_end',
    },
    {
      desc: 'a two-byte message type',
      datagram: rawPacket({ options: [53, 2, 1, 1, 255] }),
      code: 'bad_option_length',
    },
    {
      desc: 'a three-byte requested address',
      datagram: rawPacket({ options: [53, 1, 3, 50, 3, 10, 0, 0, 255] }),
      code: 'bad_option_length',
    },
    {
      desc: 'a repeated server identifier adding up to eight bytes',
      datagram: rawPacket({ options: [53, 1, 3, 54, 4, 1, 1, 1, 1, 54, 4, 2, 2, 2, 2, 255] }),
      code: 'bad_option_length',
    },
    {
      desc: 'a routers option of five bytes',
      datagram: rawPacket({ options: [53, 1, 1, 3, 5, 1, 2, 3, 4, 5, 255] }),
      code: 'bad_option_length',
    },
    {
      desc: 'option 52 with value 4',
      datagram: rawPacket({ options: [53, 1, 1, 52, 1, 4, 255] }),
      code: 'bad_overload',
    },
    {
      desc: 'option 52 of two bytes',
      datagram: rawPacket({ options: [53, 1, 1, 52, 2, 1, 1, 255] }),
      code: 'bad_overload',
    },
    {
      desc: 'option 52 twice',
      datagram: rawPacket({ options: [53, 1, 1, 52, 1, 1, 52, 1, 1, 255] }),
      code: 'bad_overload',
    },
    {
      desc: 'option 52 inside the file field',
      datagram: rawPacket({ options: [53, 1, 1, 52, 1, 1, 255], file: [52, 1, 2, 255] }),
      code: 'bad_overload',
    },
  ];
  for (const { desc, datagram, code } of malformed) {
    it(`refuses ${desc} with ${code}`, () => {
      assert.throws(
        () => parseDhcp(datagram),
        (err: unknown) => DhcpCodecError.is(err) && err.code === code,
      );
    });
  }

  it('shares no memory with the datagram', () => {
    const datagram = rawPacket({ options: [53, 1, 1, 12, 1, 0x61, 255] });
    const packet = parseDhcp(datagram);
    datagram.fill(0);
    assert.equal(packet.options.get(Option.HOST_NAME)!.toString(), 'a');
    assert.equal(hardwareAddressOf(packet), '02:00:00:aa:bb:cc');
  });
});
