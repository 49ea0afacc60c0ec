import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from 'pino';
import { DHCP_STEER_GROUP } from '../dhcp/destination.js';
import type { DhcpSockets } from './dhcp-sockets.js';

export interface SteeredSocketOptions {
  /** The IPv4 address of hvaddr's port (DHCP_INTERFACE), where the group is joined. */
  readonly interfaceAddress: string;
  /** The server port the flows steer to; 67. */
  readonly port: number;
  /** `mark` is the datagram's UDP source port: the ingress port the flows wrote there. */
  readonly onMessage: (datagram: Buffer, mark: number) => void;
  readonly logger: Logger;
}

/**
 * The one socket of DHCP_CLIENT_IDENTITY=port: bound to DHCP_STEER_GROUP at the server port and
 * joined to the group on hvaddr's port only. Linux accepts a datagram for a link-local group
 * only on an interface where the group is joined, and a socket bound to the group receives no
 * unicast or broadcast: so what arrives here came through hvaddr's port, from br-int's flows,
 * and its mark is theirs, not a guest's nor another host's. Replies leave through the same
 * interface (IP_MULTICAST_IF), to a group the flows map back to one port; multicast loopback is
 * off so no reply is delivered on this host.
 */
export async function openSteeredSocket(options: SteeredSocketOptions): Promise<DhcpSockets> {
  const { interfaceAddress, port, logger } = options;
  const socket: Socket = createSocket({ type: 'udp4' });
  await new Promise<void>((resolve, reject) => {
    const onBindError = (err: Error) => {
      socket.close();
      reject(
        new Error(`cannot bind UDP ${DHCP_STEER_GROUP}:${port}: ${err.message}`, { cause: err }),
      );
    };
    socket.once('error', onBindError);
    socket.bind(port, DHCP_STEER_GROUP, () => {
      socket.off('error', onBindError);
      resolve();
    });
  });
  try {
    socket.addMembership(DHCP_STEER_GROUP, interfaceAddress);
    socket.setMulticastInterface(interfaceAddress);
    socket.setMulticastLoopback(false);
    socket.setMulticastTTL(1);
  } catch (err) {
    socket.close();
    throw new Error(
      `cannot join ${DHCP_STEER_GROUP} on ${interfaceAddress}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const onMessage = (datagram: Buffer, rinfo: { port: number }) =>
    options.onMessage(datagram, rinfo.port);
  socket.on('error', (err) => logger.error({ err, port }, 'DHCP socket error'));
  socket.on('message', onMessage);
  return {
    port: socket.address().port,
    send: (datagram, to) =>
      new Promise((resolve, reject) => {
        socket.send(datagram, to.port, to.address, (err) => (err ? reject(err) : resolve()));
      }),
    stopReceiving: () => socket.off('message', onMessage),
    close: () =>
      new Promise((resolve) => {
        try {
          socket.close(() => resolve());
        } catch {
          resolve(); // already closed
        }
      }),
  };
}
