import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cookieFor, fnv1a64 } from './cookie.js';

describe('cookies', () => {
  // Reference vectors of FNV-1a 64 (the FNV authors' test suite).
  const VECTORS: ReadonlyArray<readonly [string, bigint]> = [
    ['', 0xcbf29ce484222325n],
    ['a', 0xaf63dc4c8601ec8cn],
    ['foobar', 0x85944171f73967e8n],
  ];
  for (const [text, want] of VECTORS) {
    it(`hashes ${JSON.stringify(text)} as FNV-1a 64`, () => assert.equal(fnv1a64(text), want));
  }

  it('hashes the UTF-8 bytes of any text, as a plain 64-bit implementation does', () => {
    const reference = (text: string) => {
      let hash = 0xcbf29ce484222325n;
      for (const byte of new TextEncoder().encode(text)) {
        hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
      }
      return hash;
    };
    for (const text of [
      'port:if-1:deliver',
      'vpc:ünïcødé:arp-reply',
      '接口',
      '\u{1f600}',
      'x'.repeat(300),
    ]) {
      assert.equal(fnv1a64(text), reference(text), text);
    }
  });

  it('derives a stable cookie from the purpose of a flow', () => {
    assert.equal(cookieFor('port:if-a1:ingress-ip'), 0x85aec0401b0f3bd9n);
    assert.notEqual(cookieFor('port:if-a1:ingress-ip'), cookieFor('port:if-a1:ingress-arp'));
  });
});
