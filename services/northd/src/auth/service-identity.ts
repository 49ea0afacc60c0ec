import { dnsLabelProblem } from '../validation/names.js';
import type { ServiceRole } from './principal.js';

export const serviceRoles: readonly ServiceRole[] = [
  'hvflowd',
  'hvflowd-fleet',
  'hvaddr',
  'southd',
  'northd',
];

// A fleet's chassis are `<prefix>-NNNN`, at most 63 characters: room for "-" and 4 digits.
const maxFleetPrefix = 58;

export function isServiceRole(role: string): role is ServiceRole {
  return (serviceRoles as readonly string[]).includes(role);
}

/**
 * What is wrong with a service identity, by field, or undefined when it is one: hvflowd and
 * hvaddr name their chassis id, hvflowd-fleet its chassis id prefix, southd and northd
 * themselves (subject = role).
 */
export function serviceIdentityProblem(
  role: string,
  subject: string,
): { field: 'role' | 'subject'; description: string } | undefined {
  if (!isServiceRole(role)) {
    return { field: 'role', description: `one of ${serviceRoles.join(', ')}` };
  }
  let problem: string | undefined;
  if (role === 'southd' || role === 'northd') {
    problem = subject === role ? undefined : `must be "${role}" for role ${role}`;
  } else {
    problem = dnsLabelProblem(subject);
    if (problem === undefined && role === 'hvflowd-fleet' && subject.length > maxFleetPrefix) {
      problem = `a chassis id prefix of at most ${maxFleetPrefix} characters`;
    }
  }
  return problem === undefined ? undefined : { field: 'subject', description: problem };
}

/**
 * The service a certificate's common name names (`role:subject`, split at the first colon;
 * `southd` and `northd` alone), or undefined when it names none.
 */
export function serviceOfCommonName(
  cn: string,
): { role: ServiceRole; subject: string } | undefined {
  const colon = cn.indexOf(':');
  const role = colon < 0 ? cn : cn.slice(0, colon);
  const subject = colon < 0 ? cn : cn.slice(colon + 1);
  if (!isServiceRole(role) || serviceIdentityProblem(role, subject)) return undefined;
  return { role, subject };
}
