/** BOOTP/DHCP constants of RFC 2131 and RFC 2132 that hvaddr and the load generators use. */

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
export const HTYPE_ETHERNET = 1;
export const ETHERNET_ADDRESS_BYTES = 6;

/** The default server and client ports; the server's is configurable (DHCP_LISTEN). */
export const SERVER_PORT = 67;
export const CLIENT_PORT = 68;

/** Bytes before the options: the fixed BOOTP header (236) and the magic cookie (4). */
export const FIXED_HEADER_BYTES = 236;
export const OPTIONS_OFFSET = 240;
export const MAGIC_COOKIE = 0x63825363;
/** BOOTP's minimum message; replies are padded to it because some old clients drop less. */
export const MIN_MESSAGE_BYTES = 300;

/** Field offsets of the fixed header. */
export const SNAME_OFFSET = 44;
export const SNAME_BYTES = 64;
export const FILE_OFFSET = 108;
export const FILE_BYTES = 128;
export const CHADDR_BYTES = 16;

/** The broadcast bit of `flags`. */
export const FLAG_BROADCAST = 0x8000;

export const MessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const Option = {
  PAD: 0,
  SUBNET_MASK: 1,
  ROUTER: 3,
  DNS_SERVERS: 6,
  HOST_NAME: 12,
  INTERFACE_MTU: 26,
  BROADCAST_ADDRESS: 28,
  REQUESTED_IP: 50,
  LEASE_TIME: 51,
  OVERLOAD: 52,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAMETER_REQUEST_LIST: 55,
  MESSAGE: 56,
  MAX_MESSAGE_SIZE: 57,
  RENEWAL_TIME: 58,
  REBINDING_TIME: 59,
  CLIENT_ID: 61,
  END: 255,
} as const;

/** Lengths RFC 2132 fixes (exact) or bounds (minimum, and a multiple of a unit). */
export const optionLengths: ReadonlyMap<number, { min: number; max: number; unit: number }> =
  new Map([
    [Option.SUBNET_MASK, { min: 4, max: 4, unit: 4 }],
    [Option.ROUTER, { min: 4, max: Infinity, unit: 4 }],
    [Option.DNS_SERVERS, { min: 4, max: Infinity, unit: 4 }],
    [Option.HOST_NAME, { min: 1, max: Infinity, unit: 1 }],
    [Option.INTERFACE_MTU, { min: 2, max: 2, unit: 2 }],
    [Option.REQUESTED_IP, { min: 4, max: 4, unit: 4 }],
    [Option.LEASE_TIME, { min: 4, max: 4, unit: 4 }],
    [Option.OVERLOAD, { min: 1, max: 1, unit: 1 }],
    [Option.MESSAGE_TYPE, { min: 1, max: 1, unit: 1 }],
    [Option.SERVER_ID, { min: 4, max: 4, unit: 4 }],
    [Option.PARAMETER_REQUEST_LIST, { min: 1, max: Infinity, unit: 1 }],
    [Option.MAX_MESSAGE_SIZE, { min: 2, max: 2, unit: 2 }],
    [Option.RENEWAL_TIME, { min: 4, max: 4, unit: 4 }],
    [Option.REBINDING_TIME, { min: 4, max: 4, unit: 4 }],
    [Option.CLIENT_ID, { min: 2, max: Infinity, unit: 1 }],
  ]);
