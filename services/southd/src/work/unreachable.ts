import { fullJitterDelayMs, type BackoffPolicy } from '@vpcd/backoff';
import { Gauge, type Registry } from 'prom-client';

export interface UnreachableOptions {
  readonly registry: Registry;
  /** Calls at once to hvflowds that did not answer last time (probes). */
  readonly maxProbes: number;
  /** Deliveries that may wait out their backoff in southd, holding their prefetch slot. */
  readonly maxWaiting: number;
  /** How long an address is left alone after a failure, by failures in a row (full jitter). */
  readonly backoff: BackoffPolicy;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** What to do with a delivery for an address, before any call. */
export type Attempt =
  /** Call it; `done` says how the call went and must be called once. */
  | { readonly call: true; done(answered: boolean): void }
  /** Do not call: the address failed lately, or enough calls probe failed addresses already. */
  | { readonly call: false; readonly reason: string };

interface Down {
  failures: number;
  until: number;
}

/**
 * The hvflowd addresses that did not answer, so that hypervisors that are down cost their own
 * messages and not everyone's. southd's workers and its prefetch are shared by every chassis:
 * each call to a hypervisor that does not answer holds a worker until the apply deadline, and each
 * delivery that waits out its backoff holds a prefetch slot. A rack that goes down would take
 * them all, and every other chassis' convergence would wait behind it. So an address that failed
 * is not called again until its own backoff has passed (a delivery for it fails at once, without a
 * worker); then at most `maxProbes` calls at once try such addresses; and at most `maxWaiting`
 * deliveries wait in southd, the others going back to their northd, whose outbox resends them.
 * Exports `southd_unreachable_addresses`, `southd_probes_in_flight` and
 * `southd_retries_waiting`. Not safe across processes; safe for concurrent use.
 */
export class Unreachable {
  private readonly down = new Map<string, Down>();
  private probes = 0;
  private waiting = 0;
  private readonly addresses: Gauge;
  private readonly probing: Gauge;
  private readonly waitingGauge: Gauge;
  private readonly now: () => number;

  constructor(private readonly o: UnreachableOptions) {
    this.now = o.now ?? Date.now;
    const registers = [o.registry];
    this.addresses = new Gauge({
      name: 'southd_unreachable_addresses',
      help: 'hvflowd addresses whose last call failed as unreachable.',
      registers,
    });
    this.probing = new Gauge({
      name: 'southd_probes_in_flight',
      help: 'Calls in flight to hvflowd addresses whose last call failed.',
      registers,
    });
    this.waitingGauge = new Gauge({
      name: 'southd_retries_waiting',
      help: 'Deliveries waiting out their backoff in southd before going back to the queue.',
      registers,
    });
  }

  /** Whether to call `address` now, and the means to record how it went. */
  attempt(address: string): Attempt {
    const down = this.down.get(address);
    if (down === undefined) {
      return { call: true, done: (answered) => this.record(address, answered) };
    }
    if (this.now() < down.until) {
      return { call: false, reason: `hvflowd at ${address} did not answer lately; not called` };
    }
    if (this.probes >= this.o.maxProbes) {
      return {
        call: false,
        reason: `${this.probes} calls already probe hvflowds that did not answer; not called`,
      };
    }
    this.probes++;
    this.probing.set(this.probes);
    let once = false;
    return {
      call: true,
      done: (answered) => {
        if (once) return;
        once = true;
        this.probes--;
        this.probing.set(this.probes);
        this.record(address, answered);
      },
    };
  }

  /**
   * A slot to wait out a backoff in, or undefined when `maxWaiting` deliveries wait already;
   * the returned function gives the slot back.
   */
  waitSlot(): (() => void) | undefined {
    if (this.waiting >= this.o.maxWaiting) return undefined;
    this.waiting++;
    this.waitingGauge.set(this.waiting);
    let once = false;
    return () => {
      if (once) return;
      once = true;
      this.waiting--;
      this.waitingGauge.set(this.waiting);
    };
  }

  private record(address: string, answered: boolean): void {
    if (answered) {
      if (this.down.delete(address)) this.addresses.set(this.down.size);
      return;
    }
    const failures = (this.down.get(address)?.failures ?? 0) + 1;
    const delay = fullJitterDelayMs(failures - 1, this.o.backoff, this.o.random);
    this.down.set(address, { failures, until: this.now() + delay });
    this.addresses.set(this.down.size);
  }
}
