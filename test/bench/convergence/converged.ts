import { setTimeout as sleep } from 'node:timers/promises';
import { RpcError, Status, type NorthdClients } from '@vpcd/rpc';
import { waitAllConverged } from '../region/region-chassis.js';

const pauseAfterFailureMs = 1000;

/** A call that failed because the region was too busy to answer in time: worth making again. */
export function isBusy(err: unknown): boolean {
  const code = RpcError.from(err).code;
  return code === Status.DEADLINE_EXCEEDED || code === Status.UNAVAILABLE;
}

/**
 * Runs `wait` (given the time left) again when it fails on a northd too busy to answer within
 * its deadline (a large VPC's backlog on a shared machine), until `timeoutMs` has passed.
 */
export async function despiteBusy(
  wait: (leftMs: number) => Promise<void>,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      await wait(Math.max(1, deadline - performance.now()));
      return;
    } catch (err: unknown) {
      if (!isBusy(err) || performance.now() > deadline) throw err;
      await sleep(pauseAfterFailureMs);
    }
  }
}

/** waitAllConverged, made again when a ListChassis poll misses its deadline (despiteBusy). */
export function waitConverged(api: NorthdClients, timeoutMs: number): Promise<void> {
  return despiteBusy((leftMs) => waitAllConverged(api, leftMs), timeoutMs);
}
