import { Gauge, type Registry } from 'prom-client';
import type { Binding } from './binding.js';
import type { BuiltBindings } from './build-bindings.js';

/**
 * The bindings being served, replaced whole on each refresh (readers never see half of one).
 * Exports `hvaddr_bindings`.
 */
export class BindingTable {
  private current: ReadonlyMap<string, Binding> = new Map();
  private byInterface: ReadonlyMap<string, Binding> = new Map();
  private loadedOnce = false;

  constructor(registry: Registry) {
    const size = () => this.byInterface.size;
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

  /** The binding of the VPC interface attached to a port. */
  getByInterface(interfaceId: string): Binding | undefined {
    return this.byInterface.get(interfaceId);
  }
  /** Interfaces served (by port; by MAC, those sharing a MAC are not). */
  get size(): number {
    return this.byInterface.size;
  }

  /** False until the first successful load from northd. */
  get loaded(): boolean {
    return this.loadedOnce;
  }

  replace(built: Pick<BuiltBindings, 'bindings' | 'byInterface'>): void {
    this.current = built.bindings;
    this.byInterface = built.byInterface;
    this.loadedOnce = true;
  }
}
