import { formatHex } from './addresses.js';

/**
 * One OpenFlow flow of br-int. Its identity is (table, priority, match), as in OpenFlow: two
 * flows with the same identity cannot coexist in a bridge. `match` and `actions` are canonical
 * ovs-ofctl text, exactly what `ovs-ofctl -O OpenFlow15 dump-flows` prints for them.
 */
export interface Flow {
  readonly table: number;
  readonly priority: number;
  /** Comma-separated match fields; '' matches every packet. */
  readonly match: string;
  /** Comma-separated actions, e.g. `set_field:0x64->reg0,goto_table:10` or `drop`. */
  readonly actions: string;
  /** 64 bits, derived from what the flow is for (see cookieFor), never 0 or 2^64-1. */
  readonly cookie: bigint;
}

/**
 * The flow's identity as ovs-ofctl text: `table=10,priority=100,ip,reg0=0x64,...`. It is also the
 * argument of `ovs-ofctl --strict del-flows` (and of a `delete_strict` line in a bundle).
 */
export function flowKey(flow: Flow): string {
  const head = `table=${flow.table},priority=${flow.priority}`;
  return flow.match === '' ? head : `${head},${flow.match}`;
}

/** The flow as one line of `ovs-ofctl add-flows` input. */
export function renderFlow(flow: Flow): string {
  const match = flow.match === '' ? '' : `,${flow.match}`;
  return `table=${flow.table},priority=${flow.priority},cookie=${formatHex(flow.cookie)}${match},actions=${flow.actions}`;
}

/** The order of a flow set: table ascending, priority descending, then match text (code units). */
export function compareFlows(a: Flow, b: Flow): number {
  if (a.table !== b.table) return a.table - b.table;
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.match !== b.match) return a.match < b.match ? -1 : 1;
  if (a.actions !== b.actions) return a.actions < b.actions ? -1 : 1;
  return a.cookie === b.cookie ? 0 : a.cookie < b.cookie ? -1 : 1;
}

/**
 * A copy in flow order (compareFlows). Flows are bucketed by (table, priority) and each bucket's
 * matches sorted by the built-in string sort, which is several times faster on large sets than
 * a comparator; a set that repeats an identity is sorted with compareFlows instead.
 */
export function sortFlows(flows: readonly Flow[]): Flow[] {
  const buckets = new Map<number, Map<string, Flow>>();
  for (const flow of flows) {
    const order = flow.table * 0x10000 + (0xffff - flow.priority);
    let bucket = buckets.get(order);
    if (bucket === undefined) buckets.set(order, (bucket = new Map<string, Flow>()));
    if (bucket.has(flow.match)) return [...flows].sort(compareFlows);
    bucket.set(flow.match, flow);
  }
  const sorted: Flow[] = [];
  for (const order of [...buckets.keys()].sort((a, b) => a - b)) {
    const bucket = buckets.get(order)!;
    for (const match of [...bucket.keys()].sort()) sorted.push(bucket.get(match)!);
  }
  return sorted;
}

/** True when both flows are the same flow: same identity, actions and cookie. */
export function sameFlow(a: Flow, b: Flow): boolean {
  return (
    a.table === b.table &&
    a.priority === b.priority &&
    a.match === b.match &&
    a.actions === b.actions &&
    a.cookie === b.cookie
  );
}
