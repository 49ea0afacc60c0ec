import { setTimeout as sleep } from 'node:timers/promises';
import type { Chassis } from '@vpcd/api';
import type { NorthdClients } from '@vpcd/rpc';

/** Every chassis northd knows, through ListChassis (pages of 1,000, the largest it serves). */
export async function listAllChassis(api: NorthdClients): Promise<Chassis[]> {
  const all: Chassis[] = [];
  let pageToken = '';
  do {
    const page = await api.chassis.listChassis({ pageSize: 1000, pageToken });
    all.push(...page.chassis);
    pageToken = page.nextPageToken;
  } while (pageToken !== '');
  return all;
}

/** A chassis that acknowledged the generation northd wants it at. */
export const isConverged = (c: Chassis) =>
  c.appliedGeneration > 0 && c.appliedGeneration >= c.desiredGeneration;

/** How far a set of expected chassis has come: registered at all, and converged. */
export interface ChassisProgress {
  readonly expected: number;
  readonly registered: number;
  readonly converged: number;
}

/** The progress of the chassis `ids` in a listing. */
export function progressOf(listing: readonly Chassis[], ids: ReadonlySet<string>): ChassisProgress {
  let registered = 0;
  let converged = 0;
  for (const c of listing) {
    if (!ids.has(c.id)) continue;
    registered++;
    if (isConverged(c)) converged++;
  }
  return { expected: ids.size, registered, converged };
}

/**
 * Polls ListChassis every `intervalMs` after the previous answer and calls `look` with each
 * listing until it returns true; throws, naming `what`, after `timeoutMs`.
 */
export async function pollChassis(
  api: NorthdClients,
  what: string,
  look: (listing: readonly Chassis[]) => boolean,
  o: { timeoutMs: number; intervalMs: number },
): Promise<void> {
  const deadline = performance.now() + o.timeoutMs;
  for (;;) {
    if (look(await listAllChassis(api))) return;
    if (performance.now() > deadline) throw new Error(`${what}: not done after ${o.timeoutMs} ms`);
    await sleep(o.intervalMs);
  }
}

/** Waits until every chassis northd knows has an owner and acknowledged its desired generation. */
export async function waitAllConverged(api: NorthdClients, timeoutMs: number): Promise<void> {
  await pollChassis(
    api,
    'converging every chassis',
    (listing) => listing.every((c) => c.owner !== '' && isConverged(c)),
    { timeoutMs, intervalMs: 50 },
  );
}
