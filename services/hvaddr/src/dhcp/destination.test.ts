import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDhcp } from '@vpcd/dhcp';
import { rawPacket } from '@vpcd/dhcp/testing';
import { replyDestination } from './destination.js';

describe('replyDestination', () => {
  const cases = [
    { desc: 'a client without an address', fields: {}, nak: false, want: '255.255.255.255:68' },
    {
      desc: 'a client with an address',
      fields: { ciaddr: [10, 0, 0, 5] },
      nak: false,
      want: '10.0.0.5:68',
    },
    {
      desc: 'a NAK to a client with an address',
      fields: { ciaddr: [10, 0, 0, 5] },
      nak: true,
      want: '255.255.255.255:68',
    },
    {
      desc: 'anything relayed',
      fields: { giaddr: [10, 0, 0, 254], ciaddr: [10, 0, 0, 5] },
      nak: true,
      want: '10.0.0.254:6767',
    },
  ];
  for (const { desc, fields, nak, want } of cases) {
    it(`sends to ${want} for ${desc}`, () => {
      const to = replyDestination(parseDhcp(rawPacket(fields)), nak, 6767);
      assert.equal(`${to.address}:${to.port}`, want);
    });
  }
});
