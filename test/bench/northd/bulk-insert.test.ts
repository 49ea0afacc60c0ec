import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chassisRows, interfaceRows, ipv4ToNumber, macOf, underlayIpOf } from './bulk-insert.js';

describe('bulk rows', () => {
  it('gives each index its own locally administered MAC', () => {
    assert.equal(macOf(0), '02:be:00:00:00:00');
    assert.equal(macOf(0x01020304), '02:be:01:02:03:04');
    const macs = new Set(Array.from({ length: 70_000 }, (_, i) => macOf(i)));
    assert.equal(macs.size, 70_000);
  });

  it('numbers underlay addresses through 198.18.0.0/15 from 198.18.0.1', () => {
    assert.equal(underlayIpOf(0), '198.18.0.1');
    assert.equal(underlayIpOf(255), '198.18.1.0');
    assert.equal(underlayIpOf(65_535), '198.19.0.0');
  });

  it('converts dotted quads to the integers northd stores, and refuses garbage', () => {
    assert.equal(ipv4ToNumber('10.0.0.1'), 167_772_161);
    assert.equal(ipv4ToNumber('255.255.255.255'), 4_294_967_295);
    assert.throws(() => ipv4ToNumber('10.0.0'), /not an IPv4 address/);
    assert.throws(() => ipv4ToNumber('10.0.0.256'), /not an IPv4 address/);
  });

  it('builds chassis rows as RegisterChassis writes them', () => {
    assert.deepEqual(chassisRows(['cv-1', 'cv-2'], 10), [
      ['cv-1', 'cv-1', '198.18.0.11', 'cv-1:50053'],
      ['cv-2', 'cv-2', '198.18.0.12', 'cv-2:50053'],
    ]);
  });

  it('builds interface rows at generation 1 with fresh ids', () => {
    const spec = { vpcId: 'v', chassisId: 'c', name: 'n', ip: 5, macIndex: 1 };
    const [a, b] = interfaceRows([spec, spec]);
    assert.deepEqual(a?.slice(1), ['v', 'c', 'n', 5, '02:be:00:00:00:01', 1]);
    assert.notEqual(a?.[0], b?.[0]);
  });
});
