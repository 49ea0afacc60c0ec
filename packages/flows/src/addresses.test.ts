import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatIpv4,
  formatMac,
  isUnicastMac,
  parseIpv4,
  parseMac,
  parseUint,
} from './addresses.js';
import { gatewayMac } from './pipeline.js';

describe('addresses', () => {
  const IPS: ReadonlyArray<readonly [string, number | undefined]> = [
    ['0.0.0.0', 0],
    ['10.0.0.5', 0x0a000005],
    ['255.255.255.255', 0xffffffff],
    ['256.0.0.1', undefined],
    ['10.0.0.05', undefined],
    ['10.0.0', undefined],
    [' 10.0.0.5', undefined],
    ['', undefined],
  ];
  for (const [text, want] of IPS) {
    it(`parses IPv4 ${JSON.stringify(text)}`, () => assert.equal(parseIpv4(text), want));
  }

  const MACS: ReadonlyArray<readonly [string, number | undefined]> = [
    ['02:00:00:00:00:0a', 0x02000000000a],
    ['02:00:00:00:00:0A', 0x02000000000a],
    ['ff:ff:ff:ff:ff:ff', 0xffffffffffff],
    ['02-00-00-00-00-0a', undefined],
    ['2:0:0:0:0:a', undefined],
  ];
  for (const [text, want] of MACS) {
    it(`parses MAC ${JSON.stringify(text)}`, () => assert.equal(parseMac(text), want));
  }

  it('formats addresses as dump-flows prints them', () => {
    assert.equal(formatMac(0x0e00000000c8), '0e:00:00:00:00:c8');
    assert.equal(formatIpv4(0xc0a80102), '192.168.1.2');
  });

  it('parses decimal and hex integers only', () => {
    assert.deepEqual(['100', '0x64', '-1', '1e3', '0x'].map(parseUint), [
      100,
      100,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('tells unicast MACs from group and zero MACs', () => {
    assert.deepEqual([0x020000000001, 0x010000000001, 0xffffffffffff, 0].map(isUnicastMac), [
      true,
      false,
      false,
      false,
    ]);
  });

  it('derives a locally administered unicast gateway MAC from the VNI', () => {
    assert.equal(gatewayMac(0xabcdef), '0e:00:00:ab:cd:ef');
    assert.ok(isUnicastMac(parseMac(gatewayMac(1))!));
  });
});
