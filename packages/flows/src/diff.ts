import { FlowsError } from './flows-error.js';
import { flowKey, renderFlow, sameFlow, sortFlows, type Flow } from './flow.js';

/**
 * What turns one flow set into another. A flow whose actions or cookie changed is in both lists
 * (remove the old one, add the new one), so `remove` and `add` are each exactly a set difference.
 */
export interface FlowDiff {
  readonly remove: readonly Flow[];
  readonly add: readonly Flow[];
}

function byKey(flows: readonly Flow[], name: string): Map<string, Flow> {
  const map = new Map<string, Flow>();
  for (const flow of flows) {
    const key = flowKey(flow);
    if (map.has(key)) throw new FlowsError('diff-conflict', `${name} holds ${key} twice`);
    map.set(key, flow);
  }
  return map;
}

/** The flows of `from` that `other` does not hold as they are. */
function missingFrom(from: Map<string, Flow>, other: Map<string, Flow>): Flow[] {
  const missing: Flow[] = [];
  for (const [key, flow] of from) {
    const twin = other.get(key);
    if (twin === undefined || !sameFlow(flow, twin)) missing.push(flow);
  }
  return sortFlows(missing);
}

/**
 * The exact difference: `remove` is every flow of `current` not identical to a flow of `desired`,
 * `add` every flow of `desired` not identical to one of `current`; both sorted in flow order.
 * Throws `diff-conflict` when either set holds one identity twice.
 */
export function diff(current: readonly Flow[], desired: readonly Flow[]): FlowDiff {
  const have = byKey(current, 'current');
  const want = byKey(desired, 'desired');
  return { remove: missingFrom(have, want), add: missingFrom(want, have) };
}

/**
 * `current` with the diff applied, sorted: every removed flow must be in `current` as it is, and
 * no added flow may share an identity with a flow that stays. Otherwise `diff-conflict`.
 */
export function applyDiff(current: readonly Flow[], change: FlowDiff): Flow[] {
  const flows = byKey(current, 'current');
  for (const flow of change.remove) {
    const key = flowKey(flow);
    const had = flows.get(key);
    if (had === undefined || !sameFlow(had, flow)) {
      throw new FlowsError(
        'diff-conflict',
        `cannot remove ${renderFlow(flow)}: not in the flow set`,
      );
    }
    flows.delete(key);
  }
  for (const flow of change.add) {
    const key = flowKey(flow);
    if (flows.has(key)) {
      throw new FlowsError('diff-conflict', `cannot add ${key}: already in the flow set`);
    }
    flows.set(key, flow);
  }
  return sortFlows([...flows.values()]);
}

/**
 * The diff as `ovs-ofctl --bundle add-flows <bridge> -` input: `delete_strict <flowKey>` lines,
 * then `add <renderFlow>` lines. Applied in one bundle, the change is atomic.
 */
export function renderFlowMods(change: FlowDiff): string[] {
  return [
    ...change.remove.map((flow) => `delete_strict ${flowKey(flow)}`),
    ...change.add.map((flow) => `add ${renderFlow(flow)}`),
  ];
}
