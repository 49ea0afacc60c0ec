import { createSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { discoverPacket } from '../client-packets.js';

export interface DiscoverFloodOptions {
  readonly target: { readonly host: string; readonly port: number };
  /** Cycled through in order: N MACs sending P packets is P/N packets each. */
  readonly macs: readonly Uint8Array[];
  /** Packets per second aimed at. */
  readonly ratePerS: number;
  /** Packets to send in all. */
  readonly packets: number;
  /** Source address to send from; default any. */
  readonly bindAddress?: string;
  /** Stops early when aborted. */
  readonly signal?: AbortSignal;
}

export interface DiscoverFloodResult {
  readonly sent: number;
  readonly errors: number;
  readonly durationMs: number;
  readonly achievedPerS: number;
}

const tickMs = 5;
/** Sends not yet completed by the socket, at most; pacing waits beyond it. */
const maxOutstanding = 512;

/**
 * Sends DHCPDISCOVERs, broadcast style (no relay, so no answer comes back to the sender), at a
 * steady rate from many MACs: the flood a misbehaving or hostile VM fleet makes. Bounded in
 * count and time; never waits for replies.
 */
export async function runDiscoverFlood(
  options: DiscoverFloodOptions,
): Promise<DiscoverFloodResult> {
  if (options.macs.length === 0) throw new RangeError('at least one MAC');
  const socket = createSocket({ type: 'udp4' });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, options.bindAddress, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const started = performance.now();
  let sent = 0;
  let completed = 0;
  let errors = 0;
  try {
    while (sent < options.packets && !options.signal?.aborted) {
      const due = Math.min(
        options.packets,
        Math.floor(((performance.now() - started) / 1000) * options.ratePerS) + 1,
      );
      while (sent < due && sent - completed < maxOutstanding) {
        const mac = options.macs[sent % options.macs.length] as Uint8Array;
        const datagram = discoverPacket({ mac, xid: randomInt(0, 2 ** 32) });
        socket.send(datagram, options.target.port, options.target.host, (err) => {
          completed += 1;
          if (err) errors += 1;
        });
        sent += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, tickMs));
    }
    while (completed < sent) await new Promise((resolve) => setTimeout(resolve, tickMs));
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
  const durationMs = performance.now() - started;
  return { sent, errors, durationMs, achievedPerS: (sent / durationMs) * 1000 };
}
