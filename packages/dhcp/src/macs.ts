import { randomBytes } from 'node:crypto';

/**
 * `count` distinct, locally administered unicast MACs (up to 2^24): a three-byte prefix, random
 * unless given, then a counter from `first`.
 */
export function sequentialMacs(
  count: number,
  options: { prefix?: Uint8Array; first?: number } = {},
): Buffer[] {
  const prefix = Buffer.from(options.prefix ?? randomBytes(3));
  prefix[0] = ((prefix[0] as number) & 0xfc) | 0x02;
  const first = options.first ?? 0;
  if (count + first > 1 << 24) throw new RangeError('at most 2^24 MACs share a prefix');
  const macs: Buffer[] = [];
  for (let i = first; i < first + count; i++) {
    const mac = Buffer.alloc(6);
    prefix.copy(mac, 0, 0, 3);
    mac.writeUIntBE(i, 3, 3);
    macs.push(mac);
  }
  return macs;
}
