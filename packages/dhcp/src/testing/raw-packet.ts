import { MAGIC_COOKIE } from '../constants.js';

export interface RawPacketFields {
  readonly op?: number;
  readonly htype?: number;
  readonly hlen?: number;
  readonly xid?: number;
  readonly ciaddr?: readonly number[];
  readonly giaddr?: readonly number[];
  readonly chaddr?: readonly number[];
  readonly cookie?: number;
  /** Raw bytes of the `sname` field (at most 64). */
  readonly sname?: readonly number[];
  /** Raw bytes of the `file` field (at most 128). */
  readonly file?: readonly number[];
  /** Raw bytes after the magic cookie, End option included when wanted. */
  readonly options?: readonly number[];
}

export const testMac = [0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc];

/** A datagram built byte by byte, so tests can write what no encoder would. */
export function rawPacket(fields: RawPacketFields = {}): Buffer {
  const options = fields.options ?? [53, 1, 1, 255];
  const buf = Buffer.alloc(240 + options.length);
  buf[0] = fields.op ?? 1;
  buf[1] = fields.htype ?? 1;
  buf[2] = fields.hlen ?? 6;
  buf.writeUInt32BE(fields.xid ?? 0x12345678, 4);
  buf.set(fields.ciaddr ?? [0, 0, 0, 0], 12);
  buf.set(fields.giaddr ?? [0, 0, 0, 0], 24);
  buf.set(fields.chaddr ?? testMac, 28);
  buf.set(fields.sname ?? [], 44);
  buf.set(fields.file ?? [], 108);
  buf.writeUInt32BE(fields.cookie ?? MAGIC_COOKIE, 236);
  buf.set(options, 240);
  return buf;
}
