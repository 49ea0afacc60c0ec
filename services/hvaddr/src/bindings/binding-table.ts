import { Gauge, type Registry } from 'prom-client';
import type { Binding } from './binding.js';

/**
 * The bindings being served, replaced whole on each refresh (readers never see half of one).
 * Exports `hvaddr_bindings`.
 */
export class BindingTable {
  private current: ReadonlyMap<string, Binding> = new Map();
  private loadedOnce = false;

  constructor(registry: Registry) {
    const size = () => this.current.size;
    new Gauge({
      name: 'hvaddr_bindings',
      help: 'VPC interfaces of this chassis that hvaddr answers.',
      registers: [registry],
      collect() {
        this.set(size());
      },
    });
  }

  /** The binding of a lower-case, colon-separated MAC. */
  get(mac: string): Binding | undefined {
    return this.current.get(mac);
  }

  get size(): number {
    return this.current.size;
  }

  /** False until the first successful load from northd. */
  get loaded(): boolean {
    return this.loadedOnce;
  }

  replace(bindings: ReadonlyMap<string, Binding>): void {
    this.current = bindings;
    this.loadedOnce = true;
  }
}
