// Property tests of the codec: whatever arrives, parseDhcp returns or throws DhcpCodecError,
// and it ends (each case is bounded; the test has a timeout).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DhcpCodecError } from './codec-error.js';
import { MAGIC_COOKIE, optionLengths } from './constants.js';
import { parseDhcp } from './parse.js';
import { serializeDhcp, type DhcpPacketInit } from './serialize.js';

const runs = 4000;

function parsesOrRefuses(datagram: Uint8Array): void {
  try {
    parseDhcp(datagram);
  } catch (err) {
    if (!DhcpCodecError.is(err)) throw err;
  }
}

const address = fc
  .tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255))
  .map((parts) => parts.join('.'));

/** Codes whose length RFC 2132 leaves free, so any value is valid. */
const option = fc.tuple(
  fc.integer({ min: 1, max: 254 }).filter((code) => !optionLengths.has(code)),
  fc.uint8Array({ minLength: 0, maxLength: 300 }),
);

/** A well-formed message. */
const validPacket: fc.Arbitrary<DhcpPacketInit> = fc.record({
  op: fc.constantFrom(1, 2),
  htype: fc.nat(255),
  hops: fc.nat(255),
  xid: fc.nat(0xffffffff),
  secs: fc.nat(0xffff),
  flags: fc.nat(0xffff),
  ciaddr: address,
  yiaddr: address,
  siaddr: address,
  giaddr: address,
  chaddr: fc.uint8Array({ minLength: 0, maxLength: 16 }),
  sname: fc.uint8Array({ maxLength: 64 }),
  file: fc.uint8Array({ maxLength: 128 }),
  options: fc.uniqueArray(option, { selector: ([code]) => code, maxLength: 12 }),
});

type Mutation =
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(2000), value: fc.nat(255) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(2000) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(2000),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
);

function mutate(datagram: Buffer, mutations: readonly Mutation[]): Buffer {
  let out = Buffer.from(datagram);
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + 1);
    if (m.kind === 'set' && at < out.length) out[at] = m.value;
    else if (m.kind === 'truncate') out = out.subarray(0, at);
    else if (m.kind === 'insert')
      out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
  }
  return out;
}

/** A header with a good cookie and an options area of raw (code, length, bytes) triples. */
const rawOptionsDatagram = fc
  .record({
    header: fc.uint8Array({ minLength: 236, maxLength: 236 }),
    options: fc.array(fc.tuple(fc.nat(255), fc.nat(255), fc.uint8Array({ maxLength: 40 })), {
      maxLength: 20,
    }),
    end: fc.boolean(),
  })
  .map(({ header, options, end }) => {
    const head = Buffer.from(header);
    head[0] = 1 + (head[0]! % 2);
    head[2] = head[2]! % 17;
    const cookie = Buffer.alloc(4);
    cookie.writeUInt32BE(MAGIC_COOKIE);
    const body = options.flatMap(([code, length, bytes]) => [code, length, ...bytes]);
    return Buffer.concat([head, cookie, Buffer.from(body), Buffer.from(end ? [255] : [])]);
  });

describe('parseDhcp under fuzzing', { timeout: 120_000 }, () => {
  it('returns or throws DhcpCodecError for random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1500 }), parsesOrRefuses), { numRuns: runs });
  });

  it('returns or throws DhcpCodecError for mutated valid messages', () => {
    fc.assert(
      fc.property(validPacket, fc.array(mutation, { minLength: 1, maxLength: 6 }), (p, ms) => {
        parsesOrRefuses(mutate(serializeDhcp(p), ms));
      }),
      { numRuns: runs },
    );
  });

  it('returns or throws DhcpCodecError for arbitrary option areas, overloaded or not', () => {
    fc.assert(fc.property(rawOptionsDatagram, parsesOrRefuses), { numRuns: runs });
  });

  it('reads back every valid message it encodes', () => {
    fc.assert(
      fc.property(validPacket, (p) => {
        const parsed = parseDhcp(serializeDhcp(p));
        assert.equal(parsed.xid, p.xid);
        assert.equal(parsed.flags, p.flags);
        assert.equal(parsed.ciaddr, p.ciaddr);
        assert.equal(parsed.giaddr, p.giaddr);
        for (const [code, value] of p.options as Array<[number, Uint8Array]>) {
          assert.deepEqual(parsed.options.get(code), Buffer.from(value));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
