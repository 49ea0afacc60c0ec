/** IPv4 addresses as dotted quads and as unsigned 32-bit numbers. */

const dottedQuad = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The address as a number, or undefined when `text` is not a dotted quad (no leading zeros). */
export function parseIpv4(text: string): number | undefined {
  const match = dottedQuad.exec(text);
  if (!match) return undefined;
  let value = 0;
  for (const part of match.slice(1)) {
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** The network mask of a prefix length (0-32) as a number. */
export function prefixMask(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

export interface Ipv4Cidr {
  readonly network: number;
  readonly prefixLength: number;
}

/** `a.b.c.d/n`, or undefined when malformed. Host bits may be set; they are cleared. */
export function parseCidr(text: string): Ipv4Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash === -1) return undefined;
  const address = parseIpv4(text.slice(0, slash));
  const length = text.slice(slash + 1);
  if (address === undefined || !/^\d{1,2}$/.test(length) || Number(length) > 32) return undefined;
  const prefixLength = Number(length);
  return { network: (address & prefixMask(prefixLength)) >>> 0, prefixLength };
}

export function cidrContains(cidr: Ipv4Cidr, address: number): boolean {
  const mask = prefixMask(cidr.prefixLength);
  return (address & mask) >>> 0 === cidr.network;
}
