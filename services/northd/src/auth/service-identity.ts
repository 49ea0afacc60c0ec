import { RpcError, Status } from '@vpcd/rpc';
import { dnsLabelProblem } from '../validation/names.js';
import { isServiceRole, serviceRoles, type Principal } from './principal.js';

type ServicePrincipal = Extract<Principal, { kind: 'service' }>;

const expected =
  'northd, southd, hvflowd:<chassis-id>, hvaddr:<chassis-id> or hvflowd-fleet:<prefix>';

/**
 * The service a certificate's subject Common Name names: `northd`, `southd`,
 * `hvflowd:<chassis-id>`, `hvaddr:<chassis-id>`, `hvflowd-fleet:<prefix>` (role and subject split
 * at the first colon; a chassis id or prefix is a DNS label). Anything else is UNAUTHENTICATED:
 * a certificate our CA signed for something that is not a vpcd identity grants nothing.
 */
export function principalOfCommonName(commonName: string): ServicePrincipal {
  const colon = commonName.indexOf(':');
  const role = colon < 0 ? commonName : commonName.slice(0, colon);
  const subject = colon < 0 ? commonName : commonName.slice(colon + 1);
  const problem =
    colon < 0 && role !== 'northd' && role !== 'southd' && isServiceRole(role)
      ? `it names no subject: ${role}:<${role === 'hvflowd-fleet' ? 'prefix' : 'chassis-id'}>`
      : serviceIdentityProblem(role, subject);
  if (problem !== undefined) {
    throw new RpcError(
      Status.UNAUTHENTICATED,
      `client certificate CN "${commonName}" is not a vpcd identity (${problem}); expected ${expected}`,
    );
  }
  return { kind: 'service', role: role as ServicePrincipal['role'], subject };
}

/**
 * What is wrong with a service identity, or undefined when it is one. Shared by every way a
 * service authenticates (certificates, service tokens), so they agree on what a role may name.
 */
export function serviceIdentityProblem(role: string, subject: string): string | undefined {
  if (!isServiceRole(role)) return `unknown role "${role}", not one of ${serviceRoles.join(', ')}`;
  if (role === 'northd' || role === 'southd') {
    return subject === role ? undefined : `${role} takes no subject: its CN is "${role}"`;
  }
  const what = role === 'hvflowd-fleet' ? 'chassis id prefix' : 'chassis id';
  const problem = dnsLabelProblem(subject);
  return problem === undefined ? undefined : `the ${what} after "${role}:": ${problem}`;
}
