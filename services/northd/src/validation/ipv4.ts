/** IPv4 addresses as unsigned 32-bit integers, the form the database stores and IPAM counts in. */

const octet = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Parses dotted-quad text; undefined when it is not a canonical IPv4 address. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => octet.test(p))) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

export interface Cidr {
  /** The network address. */
  readonly first: number;
  /** The broadcast address. */
  readonly last: number;
  readonly prefix: number;
  readonly text: string;
}

export type CidrProblem = 'syntax' | 'prefix' | 'host-bits';

/** Parses `a.b.c.d/n`, refusing host bits; the problem when it cannot. */
export function parseCidr(text: string): Cidr | CidrProblem {
  const match = /^([^/]+)\/(\d{1,2})$/.exec(text);
  const address = match ? parseIpv4(match[1]!) : undefined;
  if (!match || address === undefined) return 'syntax';
  const prefix = Number(match[2]);
  if (prefix > 32) return 'prefix';
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) return 'host-bits';
  return {
    first: address,
    last: address + size - 1,
    prefix,
    text: `${formatIpv4(address)}/${prefix}`,
  };
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.first >= outer.first && inner.last <= outer.last;
}

export function cidrsOverlap(
  a: { first: number; last: number },
  b: { first: number; last: number },
): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/** RFC 1918 private ranges: the default set a VPC CIDR must lie in. */
export const rfc1918 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map(
  (c) => parseCidr(c) as Cidr,
);

/** The gateway of a VPC: the first host address, answered by every chassis. */
export function gatewayOf(cidr: Cidr): number {
  return cidr.first + 1;
}
