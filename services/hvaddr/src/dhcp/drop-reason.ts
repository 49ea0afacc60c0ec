import { type DhcpCodecErrorCode, parseErrorCodes } from '@vpcd/dhcp';

/** Why a datagram got no answer before the protocol looked at it: `hvaddr_dropped_total{reason}`. */
export type DropReason =
  | DhcpCodecErrorCode
  /** A BOOTREPLY sent to the server. */
  | 'not_request'
  /** Not Ethernet (htype 1, hlen 6): VPC interfaces are Ethernet. */
  | 'unsupported_hardware'
  /** No message type (option 53): plain BOOTP is not served. */
  | 'not_dhcp'
  /** A type a server never receives (OFFER, ACK, NAK) or one it does not serve. */
  | 'unsupported_message_type'
  /** The client's request rate is over RATE_LIMIT_PER_S. */
  | 'rate_limited'
  /** The hardware address (or the port's interface) is not a VPC interface bound on this chassis. */
  | 'unknown_client'
  /** Steered from a guest with a relay address (giaddr): guests are never relay agents. */
  | 'relayed'
  /** The mark names no port of the bridge with a VPC interface. */
  | 'unknown_port'
  /** chaddr is not the MAC of the interface of the port the request came in on. */
  | 'chaddr_mismatch'
  /** Every worker was busy. */
  | 'overloaded';

/** Every reason, so each series exists at zero from the start. */
export const dropReasons: readonly DropReason[] = [
  ...(parseErrorCodes as DropReason[]),
  'not_request',
  'unsupported_hardware',
  'not_dhcp',
  'unsupported_message_type',
  'rate_limited',
  'unknown_client',
  'relayed',
  'unknown_port',
  'chaddr_mismatch',
  'overloaded',
];
