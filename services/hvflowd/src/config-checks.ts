// Checks of single values of the configuration; each returns the problem, or undefined.

const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A DNS label (RFC 1123), as northd requires of chassis ids. */
export function dnsLabelProblem(value: string): string | undefined {
  return dnsLabel.test(value)
    ? undefined
    : `"${value}" is not a DNS label (lower-case letters, digits and "-", at most 63)`;
}

/** Dotted-decimal IPv4 without leading zeros. */
export function ipv4Problem(value: string): string | undefined {
  return ipv4.test(value) ? undefined : `"${value}" is not an IPv4 address`;
}

/** `host:port` (IPv6 hosts in brackets), port 1-65535. */
export function hostPortProblem(value: string): string | undefined {
  const found = /^(\[[0-9A-Fa-f:.]+\]|[^\s:/[\]]+):(\d{1,5})$/.exec(value);
  if (!found || Number(found[2]) < 1 || Number(found[2]) > 65535) {
    return `"${value}" is not host:port`;
  }
  return undefined;
}

/**
 * An address northd accepts as `hvflowd_addr`: `host:port` without brackets (a name or IPv4).
 */
export function advertisedAddressProblem(value: string): string | undefined {
  const found = /^[^\s:/[\]]+:(\d{1,5})$/.exec(value);
  if (!found || Number(found[1]) < 1 || Number(found[1]) > 65535) {
    return `"${value}" is not host:port (a host name or IPv4 address and a port)`;
  }
  return undefined;
}

/** A bridge or port name OVS can turn into a device: at most 15 of A-Z a-z 0-9 _ . - */
export function bridgeNameProblem(value: string): string | undefined {
  return /^[A-Za-z0-9_.-]{1,15}$/.test(value)
    ? undefined
    : `"${value}" is not a bridge name (at most 15 of A-Z a-z 0-9 _ . -)`;
}
