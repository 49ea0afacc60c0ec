import type { PeerCertificate } from 'node:tls';

/**
 * Whether a certificate common name may act for `chassisId`: `hvflowd:<chassisId>`, or a
 * simulated fleet's `hvflowd-fleet:<prefix>` for chassis `<prefix>-<digits>` (non-empty prefix).
 */
export function mayActFor(commonName: string, chassisId: string): boolean {
  if (chassisId !== '' && commonName === `hvflowd:${chassisId}`) return true;
  const prefix = commonName.startsWith('hvflowd-fleet:')
    ? commonName.slice('hvflowd-fleet:'.length)
    : '';
  return (
    prefix !== '' &&
    chassisId.startsWith(`${prefix}-`) &&
    /^\d+$/.test(chassisId.slice(prefix.length + 1))
  );
}

/**
 * The server identity check of a connection to the hvflowd of `chassisId`: its certificate (whose
 * chain TLS verified against TLS_CA) must name that chassis. The dialled host is not checked: it
 * is the address the chassis registered (a node IP, which per-node certificates need not name);
 * the identity is what must match, so an hvflowd reached at a wrong or spoofed address never
 * receives another chassis' state.
 */
export function hvflowdIdentityCheck(
  chassisId: string,
  /** Told the outcome of every check: the refusal's message, or undefined when it passed. */
  onChecked: (refusal: string | undefined) => void = () => undefined,
): (host: string, cert: PeerCertificate) => Error | undefined {
  return (host, cert) => {
    const cn = cert.subject?.CN;
    const name = typeof cn === 'string' ? cn : '';
    if (mayActFor(name, chassisId)) {
      onChecked(undefined);
      return undefined;
    }
    const refusal =
      `hvflowd at ${host} presents "${name}", not the identity of chassis ${chassisId} ` +
      `(hvflowd:${chassisId})`;
    onChecked(refusal);
    return Object.assign(new Error(refusal), { code: 'ERR_HVFLOWD_IDENTITY' });
  };
}
