import { cpus } from 'node:os';

/** CPU time of the whole machine, all cores, milliseconds. */
export interface MachineCpu {
  readonly busyMs: number;
  readonly idleMs: number;
}

/** Sums os.cpus() times: what every process on the machine has used so far. */
export function machineCpu(): MachineCpu {
  let busyMs = 0;
  let idleMs = 0;
  for (const { times } of cpus()) {
    busyMs += times.user + times.nice + times.sys + times.irq;
    idleMs += times.idle;
  }
  return { busyMs, idleMs };
}

/**
 * CPU used on the machine between two samples by everything but the benchmark's own processes,
 * in cores (1 = one core busy all along): a check that nothing else disturbed a measurement.
 * The operating system counts in 10 ms ticks, so small values are noise.
 */
export function otherCores(
  before: MachineCpu,
  after: MachineCpu,
  ownCpuMs: number,
  wallMs: number,
): number {
  return Math.max(0, (after.busyMs - before.busyMs - ownCpuMs) / wallMs);
}
