interface Waiting<T, R> {
  readonly item: T;
  resolve(result: R): void;
  reject(err: unknown): void;
}

/**
 * Runs the items callers submit in groups (group commit): while `parallel` groups are in the
 * database, the items that arrive wait and then go together, at most `maxBatch` to a group. A
 * lone item goes at once, so an idle service waits on no timer; under load a group grows with
 * the load while the statements per second stay about constant. `run` answers each item in
 * order, or an Error for an item that alone failed; when `run` throws, every item of its group
 * fails with that. Safe for concurrent use.
 */
export class GroupBatcher<T, R> {
  private readonly waiting: Waiting<T, R>[] = [];
  private running = 0;

  constructor(
    private readonly run: (items: readonly T[]) => Promise<readonly (R | Error)[]>,
    private readonly o: { readonly maxBatch: number; readonly parallel: number },
  ) {}

  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    if (this.running >= this.o.parallel || this.waiting.length === 0) return;
    this.running++;
    const group = this.waiting.splice(0, this.o.maxBatch);
    void this.run(group.map((w) => w.item))
      .then(
        (results) =>
          group.forEach((w, i) => {
            const result = results[i];
            if (result instanceof Error) w.reject(result);
            else if (i >= results.length) w.reject(new Error('group batch gave no answer'));
            else w.resolve(result as R);
          }),
        (err: unknown) => group.forEach((w) => w.reject(err)),
      )
      .finally(() => {
        this.running--;
        this.next();
      });
  }
}
