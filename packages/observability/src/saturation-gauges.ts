import { Gauge, type Registry } from 'prom-client';

export interface SaturationGaugeOptions {
  /** Base name, e.g. `southd_workers`; exports `<name>_in_flight` and `<name>_capacity`. */
  name: string;
  /** What is being measured, e.g. 'Converge work being applied'. */
  help: string;
}

/** Saturation of one queue or worker pool: how much is in use against how much there is. */
export interface SaturationGauges {
  setCapacity(capacity: number): void;
  inc(): void;
  dec(): void;
  set(inFlight: number): void;
}

/** Creates the in-flight/capacity gauge pair that USE dashboards read for every pool and queue. */
export function createSaturationGauges(
  registry: Registry,
  options: SaturationGaugeOptions,
): SaturationGauges {
  const inFlight = new Gauge({
    name: `${options.name}_in_flight`,
    help: `${options.help}: items in flight.`,
    registers: [registry],
  });
  const capacity = new Gauge({
    name: `${options.name}_capacity`,
    help: `${options.help}: capacity.`,
    registers: [registry],
  });
  return {
    setCapacity: (n) => capacity.set(n),
    inc: () => inFlight.inc(),
    dec: () => inFlight.dec(),
    set: (n) => inFlight.set(n),
  };
}
