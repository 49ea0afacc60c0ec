export { parseDhcp } from './parse.js';
export { serializeDhcp } from './serialize.js';
export type { DhcpPacketInit } from './serialize.js';
export { addressOption, formatMac, hardwareAddressOf, messageTypeOf } from './packet.js';
export type { DhcpPacket } from './packet.js';
export { DhcpCodecError, parseErrorCodes } from './codec-error.js';
export type { DhcpCodecErrorCode } from './codec-error.js';
export {
  BOOTREPLY,
  BOOTREQUEST,
  CLIENT_PORT,
  ETHERNET_ADDRESS_BYTES,
  HTYPE_ETHERNET,
  MAGIC_COOKIE,
  MessageType,
  Option,
  optionLengths,
  SERVER_PORT,
} from './constants.js';
export { cidrContains, formatIpv4, parseCidr, parseIpv4, prefixMask } from './ipv4.js';
export type { Ipv4Cidr } from './ipv4.js';
export { discoverPacket, requestPacket } from './client-packets.js';
export type { ClientPacketOptions } from './client-packets.js';
export { sequentialMacs } from './macs.js';
