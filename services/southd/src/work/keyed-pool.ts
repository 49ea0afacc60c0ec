import { Gauge, type Registry } from 'prom-client';

export interface KeyedPoolOptions {
  /** Tasks running at once. */
  readonly capacity: number;
  readonly registry: Registry;
  /** Metric name prefix, e.g. `southd_workers`. */
  readonly name: string;
}

/**
 * A bounded worker pool that also runs tasks of one key one at a time (one chassis is applied
 * by one worker at a time). Exports `<name>_in_flight`, `<name>_capacity` and
 * `<name>_queue_depth`: the saturation signal. Safe for concurrent use.
 */
export class KeyedPool {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly tails = new Map<string, Promise<void>>();
  private readonly inFlight: Gauge;
  private readonly depth: Gauge;

  constructor(private readonly options: KeyedPoolOptions) {
    const registers = [options.registry];
    this.inFlight = new Gauge({
      name: `${options.name}_in_flight`,
      help: 'Tasks running.',
      registers,
    });
    new Gauge({
      name: `${options.name}_capacity`,
      help: 'Tasks that may run at once.',
      registers,
    }).set(options.capacity);
    this.depth = new Gauge({
      name: `${options.name}_queue_depth`,
      help: 'Tasks waiting for a worker or for their key.',
      registers,
    });
  }

  /** Runs `task` when a worker is free and the previous task of `key` has ended. */
  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let done!: () => void;
    const tail = new Promise<void>((resolve) => (done = resolve));
    this.tails.set(key, tail);
    this.depth.inc();
    try {
      await previous;
      await this.acquire();
      this.depth.dec();
      try {
        return await task();
      } finally {
        this.release();
      }
    } finally {
      done();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.options.capacity) {
      this.running++;
      this.inFlight.set(this.running);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
    this.inFlight.set(this.running);
  }
}
