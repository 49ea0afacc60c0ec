/** The default first three bytes of the clients' MACs: locally administered, "hm". */
export const defaultMacPrefix = '02:68:6d';

/** The largest number of clients one prefix holds. */
export const maxClients = 1 << 24;

/**
 * The bytes of a MAC prefix `xx:xx:xx`, or undefined when it is not three hex bytes of a
 * locally administered unicast address (the bits hvaddr's MAC generator would otherwise force).
 */
export function parseMacPrefix(text: string): Uint8Array | undefined {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){2}$/i.test(text)) return undefined;
  const bytes = Uint8Array.from(text.split(':').map((b) => parseInt(b, 16)));
  return (bytes[0]! & 0x03) === 0x02 ? bytes : undefined;
}

/**
 * The MAC of client `index` (0 to maxClients - 1): the prefix, then the index in three bytes
 * (`02:68:6d:00:00:00`, `02:68:6d:00:00:01`, ...). The same scheme as hvaddr's `sequentialMacs`
 * with a fixed prefix, but one at a time, so a million clients take no memory.
 */
export function clientMac(prefix: Uint8Array, index: number): Buffer {
  const mac = Buffer.alloc(6);
  mac.set(prefix.subarray(0, 3));
  mac.writeUIntBE(index, 3, 3);
  return mac;
}

/** Colon-separated lower-case hex, as hvaddr names clients. */
export { formatMac } from '@vpcd/dhcp';
