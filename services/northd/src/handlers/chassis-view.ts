import type { Chassis, ChassisState } from '@vpcd/api';
import type { Principal } from '../auth/principal.js';

/**
 * A chassis as a caller may see it. A project sees which chassis exist (to place interfaces)
 * and when each last reported, nothing of the hypervisor: no host name, underlay address, agent
 * address, lease owner or epoch, and no generations or state hash (they count every tenant's
 * changes on that chassis). The admin sees everything.
 */
export function chassisViewFor(p: Principal, chassis: Chassis): Chassis {
  if (p.kind === 'admin') return chassis;
  return {
    id: chassis.id,
    hostname: '',
    underlayIp: '',
    hvflowdAddr: '',
    owner: '',
    epoch: 0,
    desiredGeneration: 0,
    appliedGeneration: 0,
    stateHash: '',
    lastHeartbeatTime: chassis.lastHeartbeatTime,
  };
}

/**
 * A chassis' state as a caller may read it. hvaddr serves DHCP for its chassis' own ports: it
 * gets neither the ports of other chassis nor their underlay addresses. Agents get it whole.
 */
export function chassisStateFor(p: Principal, state: ChassisState): ChassisState {
  return p.kind === 'service' && p.role === 'hvaddr' ? { ...state, remotePorts: [] } : state;
}
