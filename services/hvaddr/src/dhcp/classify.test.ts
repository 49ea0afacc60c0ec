import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDhcp } from '@vpcd/dhcp';
import { rawPacket, type RawPacketFields } from '@vpcd/dhcp/testing';
import { classifyRequest, type Classified } from './classify.js';

describe('classifyRequest', () => {
  const cases: Array<{ desc: string; fields: RawPacketFields; want: Classified }> = [
    { desc: 'a DISCOVER', fields: {}, want: { ok: true, type: 'discover' } },
    { desc: 'an INFORM', fields: { options: [53, 1, 8, 255] }, want: { ok: true, type: 'inform' } },
    { desc: 'a BOOTREPLY', fields: { op: 2 }, want: { ok: false, reason: 'not_request' } },
    {
      desc: 'token ring',
      fields: { htype: 6 },
      want: { ok: false, reason: 'unsupported_hardware' },
    },
    {
      desc: 'an 8-byte address',
      fields: { hlen: 8 },
      want: { ok: false, reason: 'unsupported_hardware' },
    },
    { desc: 'plain BOOTP', fields: { options: [255] }, want: { ok: false, reason: 'not_dhcp' } },
    {
      desc: 'an OFFER sent to the server',
      fields: { options: [53, 1, 2, 255] },
      want: { ok: false, reason: 'unsupported_message_type' },
    },
    {
      desc: 'message type 200',
      fields: { options: [53, 1, 200, 255] },
      want: { ok: false, reason: 'unsupported_message_type' },
    },
  ];
  for (const { desc, fields, want } of cases) {
    it(`classifies ${desc}`, () => {
      assert.deepEqual(classifyRequest(parseDhcp(rawPacket(fields))), want);
    });
  }
});
