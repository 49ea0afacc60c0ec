import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mayActForChassis } from './chassis-scope.js';
import type { Principal } from './principal.js';
import { commonNameProblem, serviceOfCommonName } from './service-identity.js';

describe('serviceOfCommonName', () => {
  const accepted: Array<[string, string, string]> = [
    ['northd', 'northd', 'northd'],
    ['southd', 'southd', 'southd'],
    ['hvflowd:hv1', 'hvflowd', 'hv1'],
    ['hvaddr:hv-1', 'hvaddr', 'hv-1'],
    ['hvflowd-fleet:sim', 'hvflowd-fleet', 'sim'],
  ];
  for (const [cn, role, subject] of accepted) {
    it(`maps CN "${cn}" to role ${role}, subject ${subject}`, () => {
      assert.deepEqual(serviceOfCommonName(cn), { role, subject });
    });
  }

  const refused: Array<[string, RegExp]> = [
    ['hvflowd', /hvflowd names no chassis id: hvflowd:<chassis-id>/],
    [
      'hvflowd-fleet',
      /hvflowd-fleet names no chassis id prefix: hvflowd-fleet:<chassis-id-prefix>/,
    ],
    ['hvflowd:', /the chassis id after "hvflowd:": required/],
    ['hvaddr:HV1', /the chassis id after "hvaddr:": a DNS label/],
    ['hvflowd:hv1,hvflowd:hv2', /a DNS label/],
    ['hvflowd-fleet:' + 'p'.repeat(59), /a chassis id prefix of at most 58 characters/],
    ['southd:x', /the subject after "southd:": must be "southd"/],
    ['admin', /unknown role "admin"/],
    ['test-client', /unknown role "test-client"/],
  ];
  for (const [cn, want] of refused) {
    it(`names no service for CN "${cn}", and says why`, () => {
      assert.equal(serviceOfCommonName(cn), undefined);
      const problem = commonNameProblem(cn);
      assert.ok(
        problem.startsWith(`client certificate CN "${cn}" is not a vpcd identity`),
        problem,
      );
      assert.match(problem, want);
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
