import { createSocket, type Socket } from 'node:dgram';
import { DhcpCodecError, type DhcpPacket, parseDhcp } from '@vpcd/dhcp';

/** A test client that poses as a relay agent, so the server's replies reach it by unicast. */
export interface RelayClient {
  readonly address: string;
  /** Sends a datagram to the server. */
  send(datagram: Buffer): void;
  /** Sends and waits for the reply with the same xid, or undefined after `timeoutMs`. */
  exchange(datagram: Buffer, timeoutMs?: number): Promise<DhcpPacket | undefined>;
  /** Every reply received so far. */
  readonly replies: readonly DhcpPacket[];
  close(): Promise<void>;
}

/** Binds `address` at the server's port (the port relay agents listen on). */
export async function openRelayClient(
  server: { host: string; port: number },
  address = '127.0.0.2',
): Promise<RelayClient> {
  const socket: Socket = createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(server.port, address, () => resolve());
  });
  const replies: DhcpPacket[] = [];
  const waiting = new Map<number, (reply: DhcpPacket) => void>();
  socket.on('message', (datagram) => {
    try {
      const reply = parseDhcp(datagram);
      replies.push(reply);
      waiting.get(reply.xid)?.(reply);
    } catch (err) {
      if (!DhcpCodecError.is(err)) throw err;
    }
  });
  const send = (datagram: Buffer) => socket.send(datagram, server.port, server.host);
  return {
    address,
    replies,
    send,
    exchange: (datagram, timeoutMs = 2000) =>
      new Promise((resolve) => {
        const xid = datagram.readUInt32BE(4);
        const timer = setTimeout(() => {
          waiting.delete(xid);
          resolve(undefined);
        }, timeoutMs);
        waiting.set(xid, (reply) => {
          clearTimeout(timer);
          waiting.delete(xid);
          resolve(reply);
        });
        send(datagram);
      }),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
