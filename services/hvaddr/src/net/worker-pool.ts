import { createSaturationGauges, type SaturationGauges } from '@vpcd/observability';
import type { Registry } from 'prom-client';

/**
 * At most `capacity` jobs at once; a job offered while all are busy is refused, not queued (the
 * socket's receive buffer is the queue, and a datagram is worth less the older it gets).
 * Exports `<name>_in_flight` and `<name>_capacity`.
 */
export class WorkerPool {
  private inFlight = 0;
  private readonly gauges: SaturationGauges;
  private idle: Array<() => void> = [];

  constructor(
    readonly capacity: number,
    registry: Registry,
    name = 'hvaddr_workers',
  ) {
    this.gauges = createSaturationGauges(registry, { name, help: 'DHCP messages being handled' });
    this.gauges.setCapacity(capacity);
  }

  get busy(): number {
    return this.inFlight;
  }

  /** Runs `job` when a worker is free and returns true; returns false at once otherwise. */
  tryRun(job: () => Promise<void>): boolean {
    if (this.inFlight >= this.capacity) return false;
    this.inFlight += 1;
    this.gauges.inc();
    void job()
      .catch(() => undefined) // jobs handle their own errors; this only keeps the count right
      .finally(() => {
        this.inFlight -= 1;
        this.gauges.dec();
        if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
      });
    return true;
  }

  /** Resolves once no job is running. */
  drain(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}
