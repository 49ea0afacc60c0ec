import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { DhcpCodecError } from '../codec/codec-error.js';
import { MessageType, Option } from '../codec/constants.js';
import { addressOption, formatMac, messageTypeOf, type DhcpPacket } from '../codec/packet.js';
import { parseDhcp } from '../codec/parse.js';
import { discoverPacket, requestPacket } from './client-packets.js';

export interface TransactionsOptions {
  readonly target: { readonly host: string; readonly port: number };
  /**
   * The relay agent address this generator binds (at the target's port) and puts in `giaddr`,
   * so that replies come back to it by unicast: e.g. 127.0.0.2 against a server on 127.0.0.1.
   */
  readonly relayAddress: string;
  /** Clients, used in turn; each should be bound on the server. */
  readonly macs: readonly Uint8Array[];
  /** Transactions in flight at once (closed loop). */
  readonly concurrency: number;
  readonly durationMs: number;
  /** Transactions started per second at most; default as fast as replies come. */
  readonly ratePerS?: number;
  /** How long to wait for each reply. Default 1000 ms. */
  readonly replyTimeoutMs?: number;
}

export interface TransactionsResult {
  /** DISCOVER-OFFER-REQUEST-ACK exchanges completed. */
  readonly completed: number;
  /** Exchanges that timed out or got a NAK. */
  readonly failed: number;
  readonly durationMs: number;
  readonly perSecond: number;
  /** Latency of each completed exchange, milliseconds, in completion order. */
  readonly latenciesMs: readonly number[];
  /** The address each client was last acknowledged, by MAC (`02:aa:...`). */
  readonly leases: ReadonlyMap<string, string>;
}

/**
 * Runs full DHCP exchanges against a server, as a relay agent would forward them, for
 * `durationMs`: the throughput benchmark and the load mode of tools/hammer.
 */
export async function runDhcpTransactions(
  options: TransactionsOptions,
): Promise<TransactionsResult> {
  if (options.macs.length === 0) throw new RangeError('at least one MAC');
  const socket = await bind(options.relayAddress, options.target.port);
  const pending = new Map<number, (reply: DhcpPacket) => void>();
  socket.on('message', (datagram) => {
    try {
      const reply = parseDhcp(datagram);
      pending.get(reply.xid)?.(reply);
    } catch (err) {
      if (!DhcpCodecError.is(err)) throw err;
    }
  });
  const timeoutMs = options.replyTimeoutMs ?? 1000;
  const exchange = (datagram: Buffer, xid: number): Promise<DhcpPacket | undefined> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(xid);
        resolve(undefined);
      }, timeoutMs);
      pending.set(xid, (reply) => {
        clearTimeout(timer);
        pending.delete(xid);
        resolve(reply);
      });
      socket.send(datagram, options.target.port, options.target.host);
    });
  const giaddr = options.relayAddress;
  const latenciesMs: number[] = [];
  const leases = new Map<string, string>();
  let failed = 0;
  let started = 0;
  const begin = performance.now();
  const deadline = begin + options.durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const index = started++;
      if (options.ratePerS !== undefined) {
        const due = begin + (index / options.ratePerS) * 1000;
        const waitMs = due - performance.now();
        if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
        if (performance.now() >= deadline) break;
      }
      const mac = options.macs[index % options.macs.length] as Uint8Array;
      const t0 = performance.now();
      let xid = randomInt(0, 2 ** 32);
      const offer = await exchange(discoverPacket({ mac, xid, giaddr }), xid);
      const serverId = offer && addressOption(offer, Option.SERVER_ID);
      if (!offer || messageTypeOf(offer) !== MessageType.OFFER || serverId === undefined) {
        failed += 1;
        continue;
      }
      xid = randomInt(0, 2 ** 32);
      const request = requestPacket({ mac, xid, giaddr, serverId, requestedIp: offer.yiaddr });
      const ack = await exchange(request, xid);
      if (ack && messageTypeOf(ack) === MessageType.ACK) {
        latenciesMs.push(performance.now() - t0);
        leases.set(formatMac(mac), ack.yiaddr);
      } else {
        failed += 1;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
  const durationMs = performance.now() - begin;
  return {
    completed: latenciesMs.length,
    failed,
    durationMs,
    perSecond: (latenciesMs.length / durationMs) * 1000,
    latenciesMs,
    leases,
  };
}

function bind(address: string, port: number): Promise<Socket> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}
