import {
  BOOTREQUEST,
  type DhcpPacket,
  ETHERNET_ADDRESS_BYTES,
  HTYPE_ETHERNET,
  MessageType,
  messageTypeOf,
} from '@vpcd/dhcp';
import type { DropReason } from './drop-reason.js';

/** The client messages hvaddr serves (RFC 2131 section 3). */
export type RequestType = 'discover' | 'request' | 'decline' | 'release' | 'inform';

const requestTypes = new Map<number, RequestType>([
  [MessageType.DISCOVER, 'discover'],
  [MessageType.REQUEST, 'request'],
  [MessageType.DECLINE, 'decline'],
  [MessageType.RELEASE, 'release'],
  [MessageType.INFORM, 'inform'],
]);

export type Classified =
  | { readonly ok: true; readonly type: RequestType }
  | { readonly ok: false; readonly reason: DropReason };

/** Whether a well-formed message is a DHCP client message hvaddr serves, and which. */
export function classifyRequest(packet: DhcpPacket): Classified {
  if (packet.op !== BOOTREQUEST) return { ok: false, reason: 'not_request' };
  if (packet.htype !== HTYPE_ETHERNET || packet.hlen !== ETHERNET_ADDRESS_BYTES) {
    return { ok: false, reason: 'unsupported_hardware' };
  }
  const messageType = messageTypeOf(packet);
  if (messageType === undefined) return { ok: false, reason: 'not_dhcp' };
  const type = requestTypes.get(messageType);
  if (type === undefined) return { ok: false, reason: 'unsupported_message_type' };
  return { ok: true, type };
}
