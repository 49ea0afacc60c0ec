import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRpcError, Status } from '@vpcd/rpc';
import { mayActForChassis } from './chassis-scope.js';
import type { Principal } from './principal.js';
import { principalOfCommonName } from './service-identity.js';

describe('principalOfCommonName', () => {
  const accepted: Array<[string, string, string]> = [
    ['northd', 'northd', 'northd'],
    ['southd', 'southd', 'southd'],
    ['hvflowd:hv1', 'hvflowd', 'hv1'],
    ['hvaddr:hv-1', 'hvaddr', 'hv-1'],
    ['hvflowd-fleet:sim', 'hvflowd-fleet', 'sim'],
  ];
  for (const [cn, role, subject] of accepted) {
    it(`maps CN "${cn}" to role ${role}, subject ${subject}`, () => {
      assert.deepEqual(principalOfCommonName(cn), { kind: 'service', role, subject });
    });
  }

  const refused: Array<[string, RegExp]> = [
    ['hvflowd', /names no subject: hvflowd:<chassis-id>/],
    ['hvflowd-fleet', /names no subject: hvflowd-fleet:<prefix>/],
    ['hvflowd:', /the chassis id after "hvflowd:": required/],
    ['hvaddr:HV1', /the chassis id after "hvaddr:": a DNS label/],
    ['hvflowd:hv1,hvflowd:hv2', /a DNS label/],
    ['southd:x', /southd takes no subject/],
    ['admin', /unknown role "admin"/],
    ['test-client', /unknown role "test-client"/],
  ];
  for (const [cn, want] of refused) {
    it(`refuses CN "${cn}" as UNAUTHENTICATED, naming it`, () => {
      assert.throws(
        () => principalOfCommonName(cn),
        (err) =>
          isRpcError(err) &&
          err.code === Status.UNAUTHENTICATED &&
          err.message.includes(`CN "${cn}"`) &&
          want.test(err.message),
      );
    });
  }
});

describe('mayActForChassis', () => {
  const service = (role: 'hvflowd' | 'hvflowd-fleet' | 'hvaddr' | 'southd', subject: string) =>
    ({ kind: 'service', role, subject }) as const;
  const cases: Array<[Principal, string, boolean]> = [
    [{ kind: 'admin' }, 'hv9', true],
    [{ kind: 'project', projectId: 'p' }, 'hv1', false],
    [service('hvflowd', 'hv1'), 'hv1', true],
    [service('hvflowd', 'hv1'), 'hv10', false],
    [service('hvaddr', 'hv1'), 'hv1', true],
    [service('hvaddr', 'hv1'), 'hv2', false],
    [service('hvflowd-fleet', 'sim'), 'sim-0001', true],
    [service('hvflowd-fleet', 'sim'), 'sim-', false],
    [service('hvflowd-fleet', 'sim'), 'sim-00a1', false],
    [service('hvflowd-fleet', 'sim'), 'simx-0001', false],
    [service('hvflowd-fleet', 'sim'), 'sim', false],
    [service('southd', 'southd'), 'hv1', false],
  ];
  for (const [p, chassisId, want] of cases) {
    it(`${want ? 'lets' : 'keeps'} ${JSON.stringify(p)} ${want ? 'act' : 'from acting'} for ${chassisId}`, () => {
      assert.equal(mayActForChassis(p, chassisId), want);
    });
  }
});
