import { dnsLabelProblem } from '../validation/names.js';
import type { ServiceRole } from './principal.js';

export const serviceRoles: readonly ServiceRole[] = [
  'hvflowd',
  'hvflowd-fleet',
  'hvaddr',
  'southd',
  'northd',
];

/**
 * The variable that lets northd and southd accept `hvflowd-fleet:<prefix>` identities. A fleet
 * identity acts for every chassis `<prefix>-<digits>`, which only a simulated fleet (benchmarks,
 * tests) needs: a production region must not honour one that a test CA or a leaked token names.
 */
const fleetIdentitiesSetting = 'ALLOW_FLEET_IDENTITIES';

/** Why `identity` (a fleet's, `hvflowd-fleet:<prefix>`) is refused while the setting is off. */
export function fleetIdentityRefusal(identity: string): string {
  return (
    `${identity} is a simulated fleet's identity, accepted only where ` +
    `${fleetIdentitiesSetting}=true (benchmarks and tests)`
  );
}

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
  // A bare `hvflowd` must not pass as hvflowd:hvflowd: only southd and northd have no subject.
  if (colon < 0 && role !== 'southd' && role !== 'northd') return undefined;
  if (!isServiceRole(role) || serviceIdentityProblem(role, subject)) return undefined;
  return { role, subject };
}

const expected =
  'northd, southd, hvflowd:<chassis-id>, hvaddr:<chassis-id> or hvflowd-fleet:<prefix>';

/**
 * Why a client certificate's common name names no service (see serviceOfCommonName): the CN,
 * what is wrong with it and what was expected, for the UNAUTHENTICATED answer.
 */
export function commonNameProblem(cn: string): string {
  const colon = cn.indexOf(':');
  const role = colon < 0 ? cn : cn.slice(0, colon);
  const subject = colon < 0 ? cn : cn.slice(colon + 1);
  const what = role === 'hvflowd-fleet' ? 'chassis id prefix' : 'chassis id';
  let problem: string;
  if (!isServiceRole(role)) problem = `unknown role "${role}"`;
  else if (colon < 0) problem = `${role} names no ${what}: ${role}:<${what.replaceAll(' ', '-')}>`;
  else {
    const found = serviceIdentityProblem(role, subject)?.description ?? 'invalid';
    problem = `the ${role === 'southd' || role === 'northd' ? 'subject' : what} after "${role}:": ${found}`;
  }
  return `client certificate CN "${cn}" is not a vpcd identity (${problem}); expected ${expected}`;
}
