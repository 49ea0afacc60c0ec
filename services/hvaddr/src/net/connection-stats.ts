import { Counter, type Registry } from 'prom-client';

/** What went through the DHCP sockets. Plain numbers: counting costs nothing per packet. */
export class ConnectionStats {
  bytesReceived = 0;
  packetsReceived = 0;
  bytesSent = 0;
  packetsSent = 0;

  received(bytes: number): void {
    this.bytesReceived += bytes;
    this.packetsReceived += 1;
  }

  sent(bytes: number): void {
    this.bytesSent += bytes;
    this.packetsSent += 1;
  }
}

/**
 * The connection collector: exports `stats` at scrape time as `hvaddr_bytes_received_total`,
 * `hvaddr_bytes_sent_total`, `hvaddr_packets_received_total` and `hvaddr_packets_sent_total`.
 */
export function registerConnectionCollector(registry: Registry, stats: ConnectionStats): void {
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  counter('hvaddr_bytes_received_total', 'UDP payload bytes received.', () => stats.bytesReceived);
  counter('hvaddr_bytes_sent_total', 'UDP payload bytes sent.', () => stats.bytesSent);
  counter('hvaddr_packets_received_total', 'Datagrams received.', () => stats.packetsReceived);
  counter('hvaddr_packets_sent_total', 'Datagrams sent.', () => stats.packetsSent);
}
