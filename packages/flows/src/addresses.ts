// Strict parsing and canonical formatting of the addresses that appear in flows. Canonical means
// what `ovs-ofctl dump-flows` prints, so compiled text and dumped text compare equal.

const MAC_RE = /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/;
const IPV4_RE = /^(?:0|[1-9]\d{0,2})(?:\.(?:0|[1-9]\d{0,2})){3}$/;
const UINT_RE = /^(?:0x[0-9a-fA-F]+|\d+)$/;

/** A MAC as a 48-bit integer, or undefined when `text` is not six colon-separated hex octets. */
export function parseMac(text: string): number | undefined {
  if (!MAC_RE.test(text)) return undefined;
  return Number.parseInt(text.replaceAll(':', ''), 16);
}

/** Lower-case, colon-separated: `02:00:00:00:00:0a`. */
export function formatMac(value: number): string {
  const hex = value.toString(16).padStart(12, '0');
  return hex.match(/../g)!.join(':');
}

/** An IPv4 address as a 32-bit unsigned integer; dotted decimal without leading zeros only. */
export function parseIpv4(text: string): number | undefined {
  if (!IPV4_RE.test(text)) return undefined;
  let value = 0;
  for (const part of text.split('.')) {
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}

/** A decimal or `0x` hex unsigned integer up to 2^53 - 1. */
export function parseUint(text: string): number | undefined {
  if (!UINT_RE.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

export function formatHex(value: number | bigint): string {
  return `0x${value.toString(16)}`;
}

/** True for a MAC a port may own: neither multicast/broadcast (I/G bit) nor all zeros. */
export function isUnicastMac(value: number): boolean {
  return value !== 0 && Math.floor(value / 2 ** 40) % 2 === 0;
}
