import { RpcError, Status } from '@vpcd/rpc';
import { describePrincipal, principal, type Principal } from './principal.js';

/**
 * Whether `p` may act for chassis `chassisId`: the admin for any; `hvflowd:<id>` and
 * `hvaddr:<id>` for chassis `<id>` alone; `hvflowd-fleet:<prefix>` for `<prefix>-<digits>`.
 * Projects and the other services act for none (the method policy keeps them out first). A
 * fleet principal reaches here only where ALLOW_FLEET_IDENTITIES is set: the authenticator
 * refuses its certificate or token otherwise.
 */
export function mayActForChassis(p: Principal, chassisId: string): boolean {
  if (p.kind === 'admin') return true;
  if (p.kind !== 'service') return false;
  switch (p.role) {
    case 'hvflowd':
    case 'hvaddr':
      return chassisId === p.subject;
    case 'hvflowd-fleet':
      return (
        chassisId.length > p.subject.length + 1 &&
        chassisId.startsWith(`${p.subject}-`) &&
        /^\d+$/.test(chassisId.slice(p.subject.length + 1))
      );
    default:
      return false;
  }
}

/**
 * Throws PERMISSION_DENIED, naming the chassis, unless the caller may act for `chassisId`.
 * Every handler that takes a chassis_id from an agent calls this after validating the field.
 */
export function requireChassisAccess(chassisId: string): void {
  const p = principal();
  if (!mayActForChassis(p, chassisId)) {
    throw new RpcError(
      Status.PERMISSION_DENIED,
      `chassis_id: ${describePrincipal(p)} may not act for chassis ${chassisId}`,
    );
  }
}
