import { compileFlows, contentHash, diff, renderFlow, type FlowDiff } from '@vpcd/flows';
import type { Database } from '@vpcd/db';
import { portNumbersOf, type ReadChassis } from './actual-chassis.js';
import { readDesiredStates } from './desired-states.js';

export interface ZeroDiffResult {
  /** Chassis compared, with how many flows each holds. */
  readonly compared: ReadonlyMap<string, number>;
  /** Each chassis whose flows differ from the recomputed ones, with the difference. */
  readonly problems: string[];
}

/**
 * Recomputes every audited chassis' flows from the database (desired-states.ts, compiled by
 * packages/flows) and diffs them with the flows on its bridge: the diff must be empty. Waits,
 * up to `timeoutMs`, until each chassis applied its desired generation and its flows match (a
 * chassis repairs drift on its heartbeat, e.g. after ovs-vswitchd restarted); a difference or
 * a generation that outlasts the timeout is a problem. The writes must have stopped.
 */
export async function zeroDiffAudit(o: {
  db: Database;
  chassis: ReadonlyMap<string, ReadChassis>;
  timeoutMs?: number;
}): Promise<ZeroDiffResult> {
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  const compared = new Map<string, number>();
  const problems: string[] = [];
  const pending = new Set(o.chassis.keys());
  const lag = new Map<string, string>();
  // hvflowd repairs drift on its heartbeat: a difference counts once it outlasts the deadline.
  const mismatch = new Map<string, string>();
  while (pending.size > 0) {
    const desired = await readDesiredStates(o.db);
    for (const id of [...pending]) {
      const want = desired.get(id);
      if (want === undefined) {
        problems.push(`${id} is not in the database`);
        pending.delete(id);
        continue;
      }
      const actual = await o.chassis.get(id)!();
      if (want.pendingChanges > 0) {
        lag.set(id, `applied ${actual.generation}, ${want.pendingChanges} changes pending`);
        continue;
      }
      const { state } = want;
      const tunnelIngress = [
        ...new Set(state.remotePorts.map((r) => `tunnel:${r.vpcId}:${r.underlayIp}:ingress`)),
      ];
      const ports =
        actual.ports ??
        portNumbersOf(
          actual.flows,
          state.ports.map((p) => p.interfaceId),
          tunnelIngress,
        );
      let change: FlowDiff;
      try {
        const flows = compileFlows(state, {
          portNumbers: ports.byInterface,
          tunnelPort: ports.tunnel,
          dhcpPort: ports.dhcp,
        });
        change = diff(actual.flows, flows);
      } catch (err) {
        // The database's state or the chassis' ports do not compile, or the bridge repeats a flow.
        problems.push(`${id}: ${err instanceof Error ? err.message : String(err)}`);
        pending.delete(id);
        continue;
      }
      if (change.add.length + change.remove.length > 0) {
        const sample = [
          ...change.remove.slice(0, 3).map((f) => `- ${renderFlow(f)}`),
          ...change.add.slice(0, 3).map((f) => `+ ${renderFlow(f)}`),
        ];
        // Whether the chassis holds the wrong state, or the right state in the wrong flows.
        const held =
          want.reportedContentHash === contentHash(state)
            ? 'it acknowledged the content of the database'
            : 'the content it acknowledged differs from the database';
        mismatch.set(
          id,
          `${id} generation ${actual.generation}: ${change.remove.length} flows not desired, ` +
            `${change.add.length} missing; ${held}\n${sample.join('\n')}`,
        );
        continue;
      }
      mismatch.delete(id);
      compared.set(id, actual.flows.length);
      pending.delete(id);
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      for (const id of pending) {
        problems.push(
          mismatch.get(id) ?? `${id} never applied its desired generation: ${lag.get(id)}`,
        );
      }
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { compared, problems };
}
