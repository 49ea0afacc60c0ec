import { setTimeout as sleep } from 'node:timers/promises';
import { RpcError, Status } from '@vpcd/rpc';
import { waitAllConverged } from '../region-chassis.js';
import type { NorthdClients } from '../northd-clients.js';

const pauseAfterFailureMs = 1000;

/** A call that failed because the region was too busy to answer in time: worth making again. */
export function isBusy(err: unknown): boolean {
  const code = RpcError.from(err).code;
  return code === Status.DEADLINE_EXCEEDED || code === Status.UNAVAILABLE;
}

/**
 * waitAllConverged, through a northd too busy to answer ListChassis within its deadline now and
 * then (a large VPC's backlog on a shared machine): such a poll is made again, until `timeoutMs`.
 */
export async function waitConverged(api: NorthdClients, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      await waitAllConverged(api, Math.max(1, deadline - performance.now()));
      return;
    } catch (err: unknown) {
      if (!isBusy(err) || performance.now() > deadline) throw err;
      await sleep(pauseAfterFailureMs);
    }
  }
}
