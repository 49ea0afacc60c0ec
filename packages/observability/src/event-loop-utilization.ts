import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/**
 * Registers `nodejs_eventloop_utilization_ratio`: the share of time (0..1) the event loop was busy
 * between the previous scrape and this one. Lag says how late callbacks run; utilization says how
 * close the loop is to saturation before lag appears, which is the USE "utilization" of a process.
 */
export function registerEventLoopUtilization(registry: Registry, prefix = ''): void {
  let previous: EventLoopUtilization = performance.eventLoopUtilization();
  new Gauge({
    name: `${prefix}nodejs_eventloop_utilization_ratio`,
    help: 'Share of time the event loop was busy since the previous scrape (0..1).',
    registers: [registry],
    collect() {
      const current = performance.eventLoopUtilization();
      this.set(performance.eventLoopUtilization(current, previous).utilization);
      previous = current;
    },
  });
}
