/** Counts the tasks waiting or running, e.g. a saturation gauge. */
export interface QueueGauge {
  inc(): void;
  dec(): void;
}

/**
 * Runs tasks one at a time, in the order given. A failed task does not stop the ones after it.
 * Safe for concurrent use: this is what serialises the applies of one chassis.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly gauge?: QueueGauge) {}

  run<T>(task: () => Promise<T>): Promise<T> {
    this.gauge?.inc();
    const result = this.tail.then(task).finally(() => this.gauge?.dec());
    this.tail = result.catch(() => undefined);
    return result;
  }
}
