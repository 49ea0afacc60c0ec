import {
  addressOption,
  BOOTREPLY,
  type DhcpPacket,
  type DhcpPacketInit,
  MessageType,
  Option,
} from '@vpcd/dhcp';
import type { Binding } from '../bindings/binding.js';
import type { RequestType } from './classify.js';

/** What every answer carries besides the binding. */
export interface ResponderSettings {
  readonly leaseTimeS: number;
  readonly mtuBytes: number;
  /** Empty: the VPC's gateway. */
  readonly dnsServers: readonly string[];
}

/** `hvaddr_requests_total{result}`: what the protocol did with a client's message. */
export type RequestResult = 'offer' | 'ack' | 'nak' | 'ignored' | 'declined' | 'released';

export interface Response {
  readonly result: RequestResult;
  /** Absent when RFC 2131 says the server stays silent. */
  readonly reply: DhcpPacketInit | undefined;
  /** Why, for the log: the NAK's message, or why the server stayed silent. */
  readonly detail: string | undefined;
}

/**
 * The answer of RFC 2131 section 4.3 to a message from a client with a binding. Pure. The
 * address is always the one IPAM assigned; there is no pool, so a client asking for any other
 * address gets a NAK. The server identifier is the VPC's gateway (the address the VPC's
 * interfaces know the chassis by).
 */
export function respond(
  request: DhcpPacket,
  type: RequestType,
  binding: Binding,
  settings: ResponderSettings,
): Response {
  switch (type) {
    case 'discover':
      return answer('offer', offerOrAck(request, binding, settings, MessageType.OFFER));
    case 'request':
      return respondToRequest(request, binding, settings);
    case 'inform':
      return answer('ack', informAck(request, binding, settings));
    case 'decline':
      return silent('declined', `the client says ${binding.ip} is in use`);
    case 'release':
      return silent('released', 'the address stays reserved for the interface');
  }
}

function respondToRequest(
  request: DhcpPacket,
  binding: Binding,
  settings: ResponderSettings,
): Response {
  const serverId = addressOption(request, Option.SERVER_ID);
  const requested = addressOption(request, Option.REQUESTED_IP);
  let claimed: string | undefined;
  if (serverId !== undefined) {
    // SELECTING: the client picked the offer of the server it names.
    if (serverId !== binding.gateway) return silent('ignored', `it selected server ${serverId}`);
    claimed = requested;
  } else if (requested !== undefined) {
    claimed = requested; // INIT-REBOOT
  } else if (request.ciaddr !== '0.0.0.0') {
    claimed = request.ciaddr; // RENEWING or REBINDING
  }
  if (claimed === binding.ip) {
    return answer('ack', offerOrAck(request, binding, settings, MessageType.ACK));
  }
  const message =
    claimed === undefined ? 'no address requested' : `${claimed} is not this interface's address`;
  return { result: 'nak', reply: nak(request, binding, message), detail: message };
}

function answer(result: RequestResult, reply: DhcpPacketInit): Response {
  return { result, reply, detail: undefined };
}

function silent(result: RequestResult, detail: string): Response {
  return { result, reply: undefined, detail };
}

function header(request: DhcpPacket) {
  return {
    op: BOOTREPLY,
    htype: request.htype,
    hlen: request.hlen,
    xid: request.xid,
    flags: request.flags,
    giaddr: request.giaddr,
    chaddr: request.chaddr,
  };
}

function offerOrAck(
  request: DhcpPacket,
  binding: Binding,
  settings: ResponderSettings,
  messageType: number,
): DhcpPacketInit {
  const lease = settings.leaseTimeS;
  const options: Array<[number, Uint8Array]> = [
    [Option.MESSAGE_TYPE, Uint8Array.of(messageType)],
    [Option.SERVER_ID, ipBytes(binding.gateway)],
    [Option.LEASE_TIME, uint32(lease)],
    [Option.RENEWAL_TIME, uint32(Math.floor(lease / 2))],
    [Option.REBINDING_TIME, uint32(Math.floor((lease * 7) / 8))],
    ...configurationOptions(binding, settings),
  ];
  return {
    ...header(request),
    ciaddr: messageType === MessageType.ACK ? request.ciaddr : '0.0.0.0',
    yiaddr: binding.ip,
    options,
  };
}

/** RFC 2131 4.3.5: configuration only; no address, no lease time. */
function informAck(
  request: DhcpPacket,
  binding: Binding,
  settings: ResponderSettings,
): DhcpPacketInit {
  return {
    ...header(request),
    ciaddr: request.ciaddr,
    options: [
      [Option.MESSAGE_TYPE, Uint8Array.of(MessageType.ACK)],
      [Option.SERVER_ID, ipBytes(binding.gateway)],
      ...configurationOptions(binding, settings),
    ],
  };
}

function nak(request: DhcpPacket, binding: Binding, message: string): DhcpPacketInit {
  return {
    ...header(request),
    options: [
      [Option.MESSAGE_TYPE, Uint8Array.of(MessageType.NAK)],
      [Option.SERVER_ID, ipBytes(binding.gateway)],
      [Option.MESSAGE, Buffer.from(message, 'latin1')],
    ],
  };
}

function configurationOptions(
  binding: Binding,
  settings: ResponderSettings,
): Array<[number, Uint8Array]> {
  const dns = settings.dnsServers.length > 0 ? settings.dnsServers : [binding.gateway];
  const options: Array<[number, Uint8Array]> = [
    [Option.SUBNET_MASK, ipBytes(binding.subnetMask)],
    [Option.ROUTER, ipBytes(binding.gateway)],
    [Option.DNS_SERVERS, Buffer.concat(dns.map(ipBytes))],
    [Option.BROADCAST_ADDRESS, ipBytes(binding.broadcastAddress)],
    [Option.INTERFACE_MTU, uint16(settings.mtuBytes)],
  ];
  if (binding.hostname !== undefined) {
    options.push([Option.HOST_NAME, Buffer.from(binding.hostname, 'ascii')]);
  }
  return options;
}

function ipBytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

function uint32(value: number): Buffer {
  const buf = Buffer.alloc(4);
  buf.writeUInt32BE(value);
  return buf;
}

function uint16(value: number): Buffer {
  const buf = Buffer.alloc(2);
  buf.writeUInt16BE(value);
  return buf;
}
