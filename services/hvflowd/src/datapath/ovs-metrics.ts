import { Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { OvsStats } from './ovs-stats.js';

/** Where the openvswitch_* metrics come from: the ovs driver's stats(). */
export interface OvsStatsSource {
  readonly bridge: string;
  stats(): Promise<OvsStats>;
}

export interface OvsMetricsOptions {
  readonly logger: Logger;
  /** Scrapes within this long share one reading of OVS; default 1 s. */
  readonly cacheMs?: number;
  /** A reading that takes longer counts as failed (openvswitch_up 0); default 5 s. */
  readonly readTimeoutMs?: number;
}

/** The interface counters exported, by their names in the Interface table's statistics column. */
const INTERFACE_COUNTERS = [
  'rx_packets',
  'tx_packets',
  'rx_bytes',
  'tx_bytes',
  'rx_dropped',
  'tx_dropped',
  'rx_errors',
  'tx_errors',
] as const;

/**
 * Registers the bridge and datapath metrics openvswitch_exporter gives, read from OVS at scrape
 * time (three commands, at most once per `cacheMs`, bounded by `readTimeoutMs`):
 * `openvswitch_up`, `openvswitch_interface_<counter>{bridge,port}`, `openvswitch_flows{bridge}`
 * and `openvswitch_datapath_lookups_{hit,missed,lost}{datapath}`. Values are OVS's own
 * counters, exported as gauges as the exporter does.
 */
export function registerOvsMetrics(
  registry: Registry,
  source: OvsStatsSource,
  options: OvsMetricsOptions,
): void {
  const cacheMs = options.cacheMs ?? 1_000;
  const readTimeoutMs = options.readTimeoutMs ?? 5_000;
  let cached: { atMs: number; reading: Promise<OvsStats | undefined> } | undefined;
  const read = (): Promise<OvsStats | undefined> => {
    const nowMs = Date.now();
    if (cached === undefined || nowMs - cached.atMs >= cacheMs) {
      cached = { atMs: nowMs, reading: readBounded(source, readTimeoutMs, options.logger) };
    }
    return cached.reading;
  };
  const registers = [registry];
  const bridge = source.bridge;

  const up: Gauge = new Gauge({
    name: 'openvswitch_up',
    help: 'Whether Open vSwitch answered the last reading (1) or not (0).',
    registers,
    collect: async () => {
      up.set((await read()) ? 1 : 0);
    },
  });
  for (const counter of INTERFACE_COUNTERS) {
    const gauge: Gauge<'bridge' | 'port'> = new Gauge({
      name: `openvswitch_interface_${counter}`,
      help: `The ${counter.replace('_', ' ')} counter of each interface of the bridge.`,
      labelNames: ['bridge', 'port'],
      registers,
      collect: async () => {
        const stats = await read();
        gauge.reset();
        for (const iface of stats?.interfaces ?? []) {
          const value = iface.statistics.get(counter);
          if (value !== undefined) gauge.set({ bridge, port: iface.name }, value);
        }
      },
    });
  }
  const flows: Gauge<'bridge'> = new Gauge({
    name: 'openvswitch_flows',
    help: 'OpenFlow flows on the bridge.',
    labelNames: ['bridge'],
    registers,
    collect: async () => {
      const stats = await read();
      flows.reset();
      if (stats) flows.set({ bridge }, stats.flowCount);
    },
  });
  for (const kind of ['hit', 'missed', 'lost'] as const) {
    const gauge: Gauge<'datapath'> = new Gauge({
      name: `openvswitch_datapath_lookups_${kind}`,
      help: `Datapath flow-table lookups ${kind} (ovs-appctl dpctl/show).`,
      labelNames: ['datapath'],
      registers,
      collect: async () => {
        const stats = await read();
        gauge.reset();
        for (const dp of stats?.datapaths ?? []) gauge.set({ datapath: dp.datapath }, dp[kind]);
      },
    });
  }
}

async function readBounded(
  source: OvsStatsSource,
  timeoutMs: number,
  logger: Logger,
): Promise<OvsStats | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    const stats = await Promise.race([source.stats(), timeout]);
    if (stats === undefined)
      logger.warn({ timeoutMs }, 'reading Open vSwitch statistics timed out');
    return stats;
  } catch (err) {
    logger.warn({ err }, 'cannot read Open vSwitch statistics');
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
