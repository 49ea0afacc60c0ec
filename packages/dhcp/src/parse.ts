import { DhcpCodecError } from './codec-error.js';
import {
  BOOTREPLY,
  BOOTREQUEST,
  CHADDR_BYTES,
  FILE_BYTES,
  FILE_OFFSET,
  FIXED_HEADER_BYTES,
  MAGIC_COOKIE,
  Option,
  OPTIONS_OFFSET,
  optionLengths,
  SNAME_BYTES,
  SNAME_OFFSET,
} from './constants.js';
import { formatIpv4 } from './ipv4.js';
import type { DhcpPacket } from './packet.js';

type Field = 'options' | 'file' | 'sname';

/**
 * Parses one datagram as a BOOTP/DHCP message. Pure and bounded: every read is checked against
 * the end of its field, each loop step consumes at least one byte, and the result shares no
 * memory with `datagram`. Throws only DhcpCodecError (its `code` says what is wrong).
 */
export function parseDhcp(datagram: Uint8Array): DhcpPacket {
  const buf = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  if (buf.length < OPTIONS_OFFSET) {
    throw new DhcpCodecError('truncated', `${buf.length} bytes, less than ${OPTIONS_OFFSET}`);
  }
  const op = buf[0] as number;
  if (op !== BOOTREQUEST && op !== BOOTREPLY) {
    throw new DhcpCodecError('bad_op', `op ${op} is neither BOOTREQUEST nor BOOTREPLY`);
  }
  const hlen = buf[2] as number;
  if (hlen > CHADDR_BYTES) {
    throw new DhcpCodecError('bad_hardware_length', `hlen ${hlen} exceeds ${CHADDR_BYTES}`);
  }
  if (buf.readUInt32BE(FIXED_HEADER_BYTES) !== MAGIC_COOKIE) {
    throw new DhcpCodecError('bad_cookie', 'the magic cookie is not 99.130.83.99');
  }
  const parts = new Map<number, Buffer[]>();
  readOptions(buf, OPTIONS_OFFSET, buf.length, 'options', parts);
  const overload = overloadOf(parts);
  // RFC 3396: the options field, then `file`, then `sname`, in that order.
  if (overload & 1) readOptions(buf, FILE_OFFSET, FILE_OFFSET + FILE_BYTES, 'file', parts);
  if (overload & 2) readOptions(buf, SNAME_OFFSET, SNAME_OFFSET + SNAME_BYTES, 'sname', parts);
  const options = new Map<number, Buffer>();
  for (const [code, values] of parts) {
    const value = values.length === 1 ? (values[0] as Buffer) : Buffer.concat(values);
    checkLength(code, value.length);
    options.set(code, value);
  }
  return {
    op,
    htype: buf[1] as number,
    hlen,
    hops: buf[3] as number,
    xid: buf.readUInt32BE(4),
    secs: buf.readUInt16BE(8),
    flags: buf.readUInt16BE(10),
    ciaddr: formatIpv4(buf.readUInt32BE(12)),
    yiaddr: formatIpv4(buf.readUInt32BE(16)),
    siaddr: formatIpv4(buf.readUInt32BE(20)),
    giaddr: formatIpv4(buf.readUInt32BE(24)),
    chaddr: Buffer.from(buf.subarray(28, 28 + CHADDR_BYTES)),
    sname: Buffer.from(buf.subarray(SNAME_OFFSET, SNAME_OFFSET + SNAME_BYTES)),
    file: Buffer.from(buf.subarray(FILE_OFFSET, FILE_OFFSET + FILE_BYTES)),
    options,
  };
}

/** Walks the options of one field up to its End option, appending each value to `parts`. */
function readOptions(
  buf: Buffer,
  start: number,
  end: number,
  field: Field,
  parts: Map<number, Buffer[]>,
): void {
  let i = start;
  while (i < end) {
    const code = buf[i] as number;
    if (code === Option.PAD) {
      i += 1;
      continue;
    }
    if (code === Option.END) return;
    if (i + 1 >= end) {
      throw new DhcpCodecError('option_overflow', `option ${code} in ${field} has no length`);
    }
    const length = buf[i + 1] as number;
    if (i + 2 + length > end) {
      throw new DhcpCodecError(
        'option_overflow',
        `option ${code} in ${field} claims ${length} bytes, ${end - i - 2} remain`,
      );
    }
    if (code === Option.OVERLOAD && field !== 'options') {
      throw new DhcpCodecError('bad_overload', `option 52 inside the ${field} field`);
    }
    const value = Buffer.from(buf.subarray(i + 2, i + 2 + length));
    const list = parts.get(code);
    if (list) list.push(value);
    else parts.set(code, [value]);
    i += 2 + length;
  }
  throw new DhcpCodecError('missing_end', `the ${field} field has no End option`);
}

/** Option 52's value: bit 1 says `file` holds options, bit 2 `sname`; 0 when absent. */
function overloadOf(parts: Map<number, Buffer[]>): number {
  const values = parts.get(Option.OVERLOAD);
  if (values === undefined) return 0;
  const value = values.length === 1 ? values[0] : undefined;
  if (value === undefined || value.length !== 1 || value[0]! < 1 || value[0]! > 3) {
    throw new DhcpCodecError('bad_overload', 'option 52 is not one byte of 1, 2 or 3');
  }
  return value[0]!;
}

function checkLength(code: number, length: number): void {
  const rule = optionLengths.get(code);
  if (rule === undefined) return;
  if (length < rule.min || length > rule.max || length % rule.unit !== 0) {
    throw new DhcpCodecError('bad_option_length', `option ${code} has ${length} bytes`);
  }
}
