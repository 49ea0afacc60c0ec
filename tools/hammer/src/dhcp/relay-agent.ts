import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { DhcpCodecError, parseDhcp, type DhcpPacket } from '@vpcd/dhcp';
import { DhcpCallError } from './dhcp-call-error.js';

/**
 * A UDP socket posing as a DHCP relay agent: bound to `address` at the server's port and named in
 * `giaddr`, so the server unicasts its replies back to it (RFC 2131 section 4.1). Replies are
 * matched to waiting exchanges by `xid` and client MAC. Safe for many exchanges at once.
 */
export interface RelayAgent {
  readonly address: string;
  /** A transaction id no exchange is waiting on. */
  freeXid(): number;
  /**
   * Sends `datagram` (whose xid is `xid`, for client `mac`) and resolves with the first matching
   * reply, or undefined at `deadlineMs` (performance.now() time). Rejects only when the send
   * fails (`SendFailed`).
   */
  exchange(
    datagram: Buffer,
    xid: number,
    mac: Uint8Array,
    deadlineMs: number,
  ): Promise<DhcpPacket | undefined>;
  /** Sends `datagram` and waits for no reply; rejects only when the send fails (`SendFailed`). */
  send(datagram: Buffer): Promise<void>;
  /** Datagrams that matched no waiting exchange: late replies, or not DHCP at all. */
  readonly strays: number;
  /** Ends the waiting exchanges (they resolve undefined) and closes the socket. */
  close(): Promise<void>;
}

interface Waiter {
  readonly mac: Uint8Array;
  readonly done: (reply: DhcpPacket | undefined) => void;
}

export async function openRelayAgent(
  server: { readonly host: string; readonly port: number },
  address: string,
): Promise<RelayAgent> {
  const socket = await bind(address, server.port);
  const waiting = new Map<number, Waiter>();
  let strays = 0;
  socket.on('message', (datagram) => {
    let reply: DhcpPacket;
    try {
      reply = parseDhcp(datagram);
    } catch (err) {
      if (!DhcpCodecError.is(err)) throw err;
      strays += 1;
      return;
    }
    const waiter = waiting.get(reply.xid);
    if (waiter && reply.chaddr.subarray(0, waiter.mac.length).equals(waiter.mac)) {
      waiter.done(reply);
    } else {
      strays += 1;
    }
  });
  return {
    address,
    freeXid() {
      for (;;) {
        const xid = randomInt(0, 2 ** 32);
        if (!waiting.has(xid)) return xid;
      }
    },
    exchange: (datagram, xid, mac, deadlineMs) =>
      new Promise((resolve, reject) => {
        const finish = (reply: DhcpPacket | undefined) => {
          clearTimeout(timer);
          waiting.delete(xid);
          resolve(reply);
        };
        const timer = setTimeout(finish, Math.max(0, deadlineMs - performance.now()), undefined);
        waiting.set(xid, { mac, done: finish });
        socket.send(datagram, server.port, server.host, (err) => {
          if (!err) return;
          clearTimeout(timer);
          waiting.delete(xid);
          reject(
            new DhcpCallError('SendFailed', `send to ${server.host}:${server.port}`, {
              cause: err,
            }),
          );
        });
      }),
    send: (datagram) =>
      new Promise((resolve, reject) => {
        socket.send(datagram, server.port, server.host, (err) => {
          if (!err) resolve();
          else
            reject(
              new DhcpCallError('SendFailed', `send to ${server.host}:${server.port}`, {
                cause: err,
              }),
            );
        });
      }),
    get strays() {
      return strays;
    },
    close: () => {
      for (const waiter of [...waiting.values()]) waiter.done(undefined);
      return new Promise((resolve) => socket.close(() => resolve()));
    },
  };
}

function bind(address: string, port: number): Promise<Socket> {
  // reuseAddr: a server bound to 0.0.0.0 with SO_REUSEADDR (hvaddr with DHCP_INTERFACE) shares the port.
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      // Send failures reach the send callbacks; a socket error after that has no caller to tell.
      socket.on('error', () => undefined);
      resolve(socket);
    });
  });
}
