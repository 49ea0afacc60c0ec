import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { readBridgePorts, type BridgePort } from './ovsdb-ports.js';

export interface PortMapOptions {
  /** ovsdb-server's Unix socket (OVSDB_SOCKET). */
  readonly socketPath: string;
  /** The integration bridge (OVS_BRIDGE); ofports are numbered per bridge. */
  readonly bridge: string;
  /** A mark not known yet reads the bridge again, at most this often; default 500 ms. */
  readonly minReadIntervalMs?: number;
  /**
   * A map older than this is read again before it answers; default 1000 ms. Port numbers can
   * move (ovs-vswitchd restarted, a port deleted and added): a stale map would take a request
   * for the interface that used to be at its port, so its age is bounded, whatever else
   * (northd's pushback) delays the periodic refresh.
   */
  readonly maxAgeMs?: number;
  readonly timeoutMs?: number;
  /** Reads the bridge's ports; default readBridgePorts over `socketPath` (a seam for tests). */
  readonly readPorts?: () => Promise<readonly BridgePort[]>;
  readonly logger: Logger;
  readonly registry: Registry;
}

/**
 * The marks of steered DHCP requests -> the VPC interface of the port they came in on. A mark is
 * the ofport of the ingress port on the bridge, written by hvflowd's flows; this reads ofport and
 * `external_ids:iface-id` of the bridge's ports from OVSDB, the same source hvflowd compiled the
 * flows from. Read at start, on `refresh()`, before answering when older than maxAgeMs, and when
 * a mark is not known (bounded by minReadIntervalMs, one read at a time), so a port added since
 * is found at its first request.
 * Exports `hvaddr_port_map_reads_total{result}`.
 */
export class PortMap {
  private byOfport: ReadonlyMap<number, BridgePort> = new Map();
  private lastReadMs = -Infinity;
  private readOnce = false;
  private reading: Promise<void> | undefined;
  private readonly reads: Counter<'result'>;

  constructor(private readonly options: PortMapOptions) {
    this.reads = new Counter({
      name: 'hvaddr_port_map_reads_total',
      help: 'Reads of the bridge ports (ofport -> interface) from OVSDB, by result (ok, error).',
      labelNames: ['result'],
      registers: [options.registry],
    });
    this.reads.inc({ result: 'ok' }, 0);
    this.reads.inc({ result: 'error' }, 0);
  }

  /** The interface id attached at `ofport`, or undefined when the bridge has none there. */
  async interfaceOf(ofport: number): Promise<string | undefined> {
    if (Date.now() - this.lastReadMs > (this.options.maxAgeMs ?? 1000)) await this.refresh();
    const known = this.byOfport.get(ofport)?.interfaceId;
    if (known !== undefined) return known;
    const minMs = this.options.minReadIntervalMs ?? 500;
    if (this.reading === undefined && Date.now() - this.lastReadMs < minMs) return undefined;
    await this.refresh();
    return this.byOfport.get(ofport)?.interfaceId;
  }

  /** False until the first successful read. */
  get loaded(): boolean {
    return this.readOnce;
  }

  /** Reads the bridge again (joins a read in progress); a failure keeps the last good map. */
  refresh(): Promise<void> {
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<void> {
    const { socketPath, bridge, logger } = this.options;
    this.lastReadMs = Date.now();
    try {
      const ports = await (this.options.readPorts?.() ??
        readBridgePorts(socketPath, bridge, this.options.timeoutMs ?? 2000));
      this.byOfport = new Map(ports.map((port) => [port.ofport, port]));
      this.readOnce = true;
      this.reads.inc({ result: 'ok' });
    } catch (err) {
      this.reads.inc({ result: 'error' });
      logger.warn({ err, socketPath, bridge }, 'reading the bridge ports failed; keeping the last');
    }
  }
}
