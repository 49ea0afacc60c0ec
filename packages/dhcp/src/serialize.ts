import { DhcpCodecError } from './codec-error.js';
import {
  CHADDR_BYTES,
  FILE_BYTES,
  FILE_OFFSET,
  FIXED_HEADER_BYTES,
  MAGIC_COOKIE,
  MIN_MESSAGE_BYTES,
  Option,
  OPTIONS_OFFSET,
  SNAME_BYTES,
  SNAME_OFFSET,
} from './constants.js';
import { parseIpv4 } from './ipv4.js';

/** What serializeDhcp encodes; absent fields are zero. */
export interface DhcpPacketInit {
  readonly op: number;
  readonly htype?: number;
  readonly hlen?: number;
  readonly hops?: number;
  readonly xid: number;
  readonly secs?: number;
  readonly flags?: number;
  readonly ciaddr?: string;
  readonly yiaddr?: string;
  readonly siaddr?: string;
  readonly giaddr?: string;
  /** At most 16 bytes. */
  readonly chaddr: Uint8Array;
  readonly sname?: Uint8Array;
  readonly file?: Uint8Array;
  /** Written in this order; a value longer than 255 bytes is split (RFC 3396). */
  readonly options: ReadonlyMap<number, Uint8Array> | Iterable<readonly [number, Uint8Array]>;
}

/**
 * Encodes a message, End option included, padded to `minBytes` (default 300, BOOTP's minimum).
 * Never overloads `sname`/`file`. Throws only DhcpCodecError (`bad_field`).
 */
export function serializeDhcp(packet: DhcpPacketInit, minBytes = MIN_MESSAGE_BYTES): Buffer {
  const options = [...packet.options];
  let optionBytes = 1; // End
  for (const [code, value] of options) {
    if (!Number.isInteger(code) || code <= Option.PAD || code >= Option.END) {
      throw new DhcpCodecError('bad_field', `option code ${code} cannot carry a value`);
    }
    optionBytes += 2 * Math.max(1, Math.ceil(value.length / 255)) + value.length;
  }
  const buf = Buffer.alloc(Math.max(minBytes, OPTIONS_OFFSET + optionBytes));
  buf[0] = byte(packet.op, 'op');
  buf[1] = byte(packet.htype ?? 1, 'htype');
  buf[2] = byte(packet.hlen ?? packet.chaddr.length, 'hlen');
  buf[3] = byte(packet.hops ?? 0, 'hops');
  buf.writeUInt32BE(uint(packet.xid, 0xffffffff, 'xid'), 4);
  buf.writeUInt16BE(uint(packet.secs ?? 0, 0xffff, 'secs'), 8);
  buf.writeUInt16BE(uint(packet.flags ?? 0, 0xffff, 'flags'), 10);
  buf.writeUInt32BE(address(packet.ciaddr, 'ciaddr'), 12);
  buf.writeUInt32BE(address(packet.yiaddr, 'yiaddr'), 16);
  buf.writeUInt32BE(address(packet.siaddr, 'siaddr'), 20);
  buf.writeUInt32BE(address(packet.giaddr, 'giaddr'), 24);
  copyField(buf, packet.chaddr, 28, CHADDR_BYTES, 'chaddr');
  copyField(buf, packet.sname, SNAME_OFFSET, SNAME_BYTES, 'sname');
  copyField(buf, packet.file, FILE_OFFSET, FILE_BYTES, 'file');
  buf.writeUInt32BE(MAGIC_COOKIE, FIXED_HEADER_BYTES);
  let at = OPTIONS_OFFSET;
  for (const [code, value] of options) {
    let from = 0;
    do {
      const chunk = value.subarray(from, from + 255);
      buf[at] = code;
      buf[at + 1] = chunk.length;
      buf.set(chunk, at + 2);
      at += 2 + chunk.length;
      from += 255;
    } while (from < value.length);
  }
  buf[at] = Option.END;
  return buf;
}

function byte(value: number, field: string): number {
  return uint(value, 255, field);
}

function uint(value: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new DhcpCodecError('bad_field', `${field} ${value} is not an integer from 0 to ${max}`);
  }
  return value;
}

function address(text: string | undefined, field: string): number {
  if (text === undefined) return 0;
  const value = parseIpv4(text);
  if (value === undefined) {
    throw new DhcpCodecError('bad_field', `${field} "${text}" is not an IPv4 address`);
  }
  return value;
}

function copyField(
  buf: Buffer,
  value: Uint8Array | undefined,
  offset: number,
  size: number,
  field: string,
): void {
  if (value === undefined) return;
  if (value.length > size) {
    throw new DhcpCodecError('bad_field', `${field} has ${value.length} bytes, at most ${size}`);
  }
  buf.set(value, offset);
}
