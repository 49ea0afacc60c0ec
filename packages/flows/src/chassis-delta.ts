import type { ChassisDelta, ChassisState } from '@vpcd/api';
import { encodePort, encodeRemotePort, encodeVpc } from './content-hash.js';
import { FlowsError } from './flows-error.js';

type Entry = { readonly vpcId: string } | { readonly interfaceId: string };

const quote = (text: string) => JSON.stringify(text);

/**
 * The state a chassis holds after `delta`: what `state` holds, without what the delta removes
 * (a removed VPC takes its ports and remote ports with it), with what it adds or changes (an
 * entry replaces the one of the same id), at the delta's epoch, revision and changes. Pure: the
 * delta's base revision is the caller's to check. Throws FlowsError `invalid-delta`, naming
 * every problem, when the delta is of another chassis, lists an id twice in one add list or in
 * both an add and a remove list, or adds a port or remote port of a VPC the result does not
 * hold; a chassis refuses such a delta rather than guess. O(state): the reference of HeldState,
 * which a chassis holds and applies deltas to in time proportional to the delta.
 */
export function applyDelta(state: ChassisState, delta: ChassisDelta): ChassisState {
  const vpcIds = new Set(state.vpcs.map((vpc) => vpc.vpcId));
  const problems = deltaProblems(delta, state.chassisId, (id) => vpcIds.has(id));
  if (problems.length > 0) throw new FlowsError('invalid-delta', problems);
  const vpcs = patch(state.vpcs, delta.vpcs, delta.removedVpcs);
  const gone = new Set(delta.removedVpcs);
  const kept = <T extends { vpcId: string }>(list: readonly T[]) =>
    gone.size === 0 ? list : list.filter((entry) => !gone.has(entry.vpcId));
  const ports = patch(kept(state.ports), delta.ports, delta.removedPorts);
  const remotePorts = patch(kept(state.remotePorts), delta.remotePorts, delta.removedRemotePorts);
  return {
    chassisId: state.chassisId,
    epoch: delta.epoch,
    generation: delta.generation,
    vpcs: [...vpcs.values()],
    ports: [...ports.values()],
    remotePorts: [...remotePorts.values()],
    changes: delta.changes,
  };
}

/**
 * Why `delta` does not apply to a state of chassis `chassisId` holding the VPCs `holds` says it
 * holds (before the delta), in the order applyDelta names them; empty when it applies. Shared by
 * applyDelta and HeldState, which refuse the same deltas with the same words.
 */
export function deltaProblems(
  delta: ChassisDelta,
  chassisId: string,
  holds: (vpcId: string) => boolean,
): string[] {
  const problems: string[] = [];
  if (delta.chassisId !== chassisId) {
    problems.push(`delta of chassis ${quote(delta.chassisId)} for ${quote(chassisId)}`);
  }
  listProblems('vpc', delta.vpcs, delta.removedVpcs, problems);
  listProblems('port', delta.ports, delta.removedPorts, problems);
  listProblems('remote port', delta.remotePorts, delta.removedRemotePorts, problems);
  const removed = new Set(delta.removedVpcs);
  const added = new Set(delta.vpcs.map((vpc) => vpc.vpcId));
  const held = (vpcId: string) => added.has(vpcId) || (holds(vpcId) && !removed.has(vpcId));
  for (const [kind, list] of [
    ['port', delta.ports],
    ['remote port', delta.remotePorts],
  ] as const) {
    for (const entry of list) {
      if (!held(entry.vpcId)) {
        problems.push(
          `${kind} ${quote(entry.interfaceId)} is of vpc ${quote(entry.vpcId)}, not held`,
        );
      }
    }
  }
  return problems;
}

/**
 * The delta that turns `from` into `to` (same chassis): what `to` holds that `from` does not
 * hold as it is, and the ids `from` holds that `to` does not. Removed VPCs are listed, and so are
 * their ports (applyDelta takes them either way). For tests and benches, which compare a chain
 * of deltas with the full state it should reach.
 */
export function deltaBetween(from: ChassisState, to: ChassisState): ChassisDelta {
  const vpcs = changed(from.vpcs, to.vpcs, encodeVpc);
  const ports = changed(from.ports, to.ports, encodePort);
  const remotePorts = changed(from.remotePorts, to.remotePorts, encodeRemotePort);
  return {
    chassisId: to.chassisId,
    epoch: to.epoch,
    baseGeneration: from.generation,
    generation: to.generation,
    vpcs: vpcs.added,
    ports: ports.added,
    remotePorts: remotePorts.added,
    removedVpcs: vpcs.removed,
    removedPorts: ports.removed,
    removedRemotePorts: remotePorts.removed,
    changes: to.changes,
  };
}

function idOf(entry: Entry): string {
  return 'interfaceId' in entry ? entry.interfaceId : entry.vpcId;
}

/** `base` by id, without `removed`, with `added` (an entry replaces the one of its id). */
function patch<T extends Entry>(
  base: readonly T[],
  added: readonly T[],
  removed: readonly string[],
): Map<string, T> {
  const byId = new Map<string, T>();
  for (const entry of base) byId.set(idOf(entry), entry);
  for (const id of removed) byId.delete(id);
  for (const entry of added) byId.set(idOf(entry), entry);
  return byId;
}

/** An add list's own problems: an id added twice, or both added and removed. */
function listProblems(
  kind: string,
  added: readonly Entry[],
  removed: readonly string[],
  problems: string[],
): void {
  const removing = new Set(removed);
  const seen = new Set<string>();
  for (const entry of added) {
    const id = idOf(entry);
    if (seen.has(id)) problems.push(`${kind} ${quote(id)} is added twice`);
    if (removing.has(id)) problems.push(`${kind} ${quote(id)} is both added and removed`);
    seen.add(id);
  }
}

function changed<T extends Entry>(
  from: readonly T[],
  to: readonly T[],
  encode: (entry: T) => string,
): { added: T[]; removed: string[] } {
  const before = new Map(from.map((entry) => [idOf(entry), encode(entry)]));
  const after = new Set(to.map(idOf));
  return {
    added: to.filter((entry) => before.get(idOf(entry)) !== encode(entry)),
    removed: [...before.keys()].filter((id) => !after.has(id)),
  };
}
