const initialCapacity = 64;

/**
 * The open streams of an HTTP/2 session by id: the part of the Map API Node's HTTP/2 code uses
 * (get, set, has, delete, size, forEach, iteration), with no hash table that outlives a change.
 *
 * Why not a Map: V8 rebuilds a Map's hash table every few dozen inserts (deleted entries use up
 * its room) into a new table of the old one's generation, and leaves the old table, with every
 * entry it had, linked to the new one for iterators. A session's Map is long-lived, so its
 * tables are in the old generation, and a young collection counts the young objects an old
 * table names as live, dead table or not: every stream open at a rebuild, with all its call
 * hangs on it, outlives the next scavenge and is promoted, to die in the old generation. Here a
 * deleted entry is cleared in place, in two arrays replaced only when the open streams outgrow
 * them.
 *
 * Keys are stream ids: positive integers (linear probing on the id, backward-shift deletion).
 */
export class StreamTable<V> {
  private ids: number[] = new Array<number>(initialCapacity).fill(0);
  private slots: Array<V | undefined> = new Array<V | undefined>(initialCapacity).fill(undefined);
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: number): V | undefined {
    const slot = this.find(id);
    return slot < 0 ? undefined : this.slots[slot];
  }

  has(id: number): boolean {
    return this.find(id) >= 0;
  }

  set(id: number, value: V): this {
    if (!Number.isSafeInteger(id) || id <= 0) {
      throw new TypeError(`stream id must be a positive integer, not ${String(id)}`);
    }
    const found = this.find(id);
    if (found >= 0) {
      this.slots[found] = value;
      return this;
    }
    if ((this.count + 1) * 2 > this.ids.length) this.grow();
    this.insert(id, value);
    this.count++;
    return this;
  }

  delete(id: number): boolean {
    let hole = this.find(id);
    if (hole < 0) return false;
    const mask = this.ids.length - 1;
    // Backward-shift deletion: move later entries of the probe run into the hole, so lookups
    // never need tombstones and nothing stays behind.
    for (let next = (hole + 1) & mask; this.ids[next] !== 0; next = (next + 1) & mask) {
      const home = this.home(this.ids[next]!);
      const distanceToHole = (hole - home) & mask;
      const distanceToNext = (next - home) & mask;
      if (distanceToHole < distanceToNext) {
        this.ids[hole] = this.ids[next]!;
        this.slots[hole] = this.slots[next];
        hole = next;
      }
    }
    this.ids[hole] = 0;
    this.slots[hole] = undefined;
    this.count--;
    return true;
  }

  /**
   * Calls `fn` for each entry there was when it began that is still there when its turn comes,
   * as Map.forEach does when entries are deleted meanwhile (Node's session destroy deletes each
   * stream from inside the loop). Entries added meanwhile are not visited.
   */
  forEach(fn: (value: V, id: number, table: this) => void): void {
    for (const [id, value] of this.entries()) fn(value, id, this);
  }

  *entries(): IterableIterator<[number, V]> {
    const ids = this.ids.filter((id) => id !== 0);
    for (const id of ids) {
      const slot = this.find(id);
      if (slot >= 0) yield [id, this.slots[slot] as V];
    }
  }

  *keys(): IterableIterator<number> {
    for (const [id] of this.entries()) yield id;
  }

  *values(): IterableIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[number, V]> {
    return this.entries();
  }

  private home(id: number): number {
    // Client streams are odd and count up: id >>> 1 spreads them over consecutive slots.
    return (id >>> 1) & (this.ids.length - 1);
  }

  private find(id: number): number {
    const mask = this.ids.length - 1;
    for (let slot = this.home(id); this.ids[slot] !== 0; slot = (slot + 1) & mask) {
      if (this.ids[slot] === id) return slot;
    }
    return -1;
  }

  private insert(id: number, value: V): void {
    const mask = this.ids.length - 1;
    let slot = this.home(id);
    while (this.ids[slot] !== 0) slot = (slot + 1) & mask;
    this.ids[slot] = id;
    this.slots[slot] = value;
  }

  private grow(): void {
    const { ids, slots } = this;
    this.ids = new Array<number>(ids.length * 2).fill(0);
    this.slots = new Array<V | undefined>(ids.length * 2).fill(undefined);
    for (let slot = 0; slot < ids.length; slot++) {
      if (ids[slot] !== 0) this.insert(ids[slot]!, slots[slot] as V);
    }
  }
}
