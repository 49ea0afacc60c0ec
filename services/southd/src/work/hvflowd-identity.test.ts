import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PeerCertificate } from 'node:tls';
import { hvflowdIdentityCheck, mayActFor } from './hvflowd-identity.js';

describe('mayActFor', () => {
  const cases: Array<[string, string, boolean]> = [
    ['hvflowd:hv1', 'hv1', true],
    ['hvflowd:hv2', 'hv1', false],
    ['hvflowd:hv1', 'hv10', false],
    ['hvaddr:hv1', 'hv1', false],
    ['southd', 'hv1', false],
    ['hvflowd-fleet:sim', 'sim-0042', true],
    ['hvflowd-fleet:sim', 'sim-12345', true],
    ['hvflowd-fleet:sim', 'sim-', false],
    ['hvflowd-fleet:sim', 'sim-00x1', false],
    ['hvflowd-fleet:sim', 'simx-0001', false],
    ['hvflowd-fleet:sim', 'hv1', false],
    ['hvflowd-fleet:', '-0001', false],
    ['hvflowd:', '', false],
  ];
  for (const [cn, chassis, want] of cases) {
    it(`${want ? 'lets' : 'does not let'} "${cn}" act for "${chassis}"`, () =>
      assert.equal(mayActFor(cn, chassis, true), want));
  }

  it('lets a fleet certificate act for no chassis unless ALLOW_FLEET_IDENTITIES is set', () => {
    assert.equal(mayActFor('hvflowd-fleet:sim', 'sim-0042', false), false);
    assert.equal(mayActFor('hvflowd:hv1', 'hv1', false), true, 'a chassis certificate still does');
  });
});

describe('hvflowdIdentityCheck', () => {
  const cert = (cn: string) => ({ subject: { CN: cn } }) as unknown as PeerCertificate;

  it('refuses a fleet certificate without ALLOW_FLEET_IDENTITIES, naming the setting', () => {
    const refusals: Array<string | undefined> = [];
    const check = hvflowdIdentityCheck('sim-0042', false, (r) => refusals.push(r));
    const err = check('192.0.2.1', cert('hvflowd-fleet:sim'));
    assert.match(err?.message ?? '', /a simulated fleet's identity.*ALLOW_FLEET_IDENTITIES=true/);
    assert.deepEqual(refusals, [err?.message]);
  });

  it('accepts a fleet certificate for its chassis with ALLOW_FLEET_IDENTITIES', () => {
    const refusals: Array<string | undefined> = [];
    const check = hvflowdIdentityCheck('sim-0042', true, (r) => refusals.push(r));
    assert.equal(check('192.0.2.1', cert('hvflowd-fleet:sim')), undefined);
    assert.deepEqual(refusals, [undefined]);
    assert.doesNotMatch(
      check('192.0.2.1', cert('hvflowd:hv1'))?.message ?? '',
      /ALLOW_FLEET_IDENTITIES/,
      'another chassis is refused for what it is, not for the setting',
    );
  });
});
