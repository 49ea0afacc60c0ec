import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from 'pino';
import type { Destination } from '../dhcp/destination.js';

export interface DhcpSocketsOptions {
  /** Where to receive; `0.0.0.0` receives broadcasts from every interface. */
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /**
   * The IPv4 address of the interface that faces the VPC interfaces (DHCP_INTERFACE). Replies
   * leave from a second socket bound to it, because Linux sends a limited broadcast
   * (255.255.255.255) out of the interface that owns the source address of a socket bound to
   * one, and out of the default route's otherwise; Node has no SO_BINDTODEVICE or IP_PKTINFO.
   */
  readonly interfaceAddress: string | undefined;
  /** `sourcePort` is the datagram's UDP source port. */
  readonly onMessage: (datagram: Buffer, sourcePort: number) => void;
  readonly logger: Logger;
}

/** The server's UDP sockets: one receiving on the listen address, one (optional) replying. */
export interface DhcpSockets {
  /** The port bound, the real one when 0 was asked. */
  readonly port: number;
  send(datagram: Buffer, to: Destination): Promise<void>;
  /** Stops delivering datagrams to `onMessage`; replies can still be sent. */
  stopReceiving(): void;
  close(): Promise<void>;
}

/** Binds the sockets; rejects with an Error naming the address when a bind fails. */
export async function openDhcpSockets(options: DhcpSocketsOptions): Promise<DhcpSockets> {
  const two = options.interfaceAddress !== undefined && options.interfaceAddress !== options.host;
  const listening = await bindSocket(options.host, options.port, two, options);
  const port = listening.address().port;
  const sockets = [listening];
  if (two) {
    try {
      sockets.push(await bindSocket(options.interfaceAddress, port, true, options));
    } catch (err) {
      await closeSocket(listening);
      throw err;
    }
  }
  const replying = sockets[sockets.length - 1] as Socket;
  const onMessage = (datagram: Buffer, rinfo: { port: number }) =>
    options.onMessage(datagram, rinfo.port);
  for (const socket of sockets) socket.on('message', onMessage);
  return {
    port,
    send: (datagram, to) =>
      new Promise((resolve, reject) => {
        replying.send(datagram, to.port, to.address, (err) => (err ? reject(err) : resolve()));
      }),
    stopReceiving: () => {
      for (const socket of sockets) socket.off('message', onMessage);
    },
    close: async () => {
      await Promise.all(sockets.map(closeSocket));
    },
  };
}

function bindSocket(
  host: string,
  port: number,
  reuseAddr: boolean,
  options: DhcpSocketsOptions,
): Promise<Socket> {
  // reuseAddr lets the replying socket bind the interface address at the listening port; only
  // then, so that a port held by another server is an error rather than shared traffic.
  const socket = createSocket({ type: 'udp4', reuseAddr });
  return new Promise((resolve, reject) => {
    const onBindError = (err: Error) => {
      socket.close();
      reject(new Error(`cannot bind UDP ${host}:${port}: ${err.message}`, { cause: err }));
    };
    socket.once('error', onBindError);
    socket.bind(port, host, () => {
      socket.off('error', onBindError);
      socket.setBroadcast(true);
      socket.on('error', (err) => options.logger.error({ err, host, port }, 'DHCP socket error'));
      resolve(socket);
    });
  });
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}
