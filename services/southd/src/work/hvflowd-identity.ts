import type { PeerCertificate } from 'node:tls';

/** The variable that lets southd accept a simulated fleet's certificates (see mayActFor). */
const fleetIdentitiesSetting = 'ALLOW_FLEET_IDENTITIES';

/**
 * Whether a certificate common name may act for `chassisId`: `hvflowd:<chassisId>`, or, where
 * `allowFleet` (ALLOW_FLEET_IDENTITIES) is set, a simulated fleet's `hvflowd-fleet:<prefix>` for
 * chassis `<prefix>-<digits>` (non-empty prefix). A fleet identity acts for many chassis, which
 * only benchmarks and tests need.
 */
export function mayActFor(commonName: string, chassisId: string, allowFleet: boolean): boolean {
  if (chassisId !== '' && commonName === `hvflowd:${chassisId}`) return true;
  const prefix = commonName.startsWith('hvflowd-fleet:')
    ? commonName.slice('hvflowd-fleet:'.length)
    : '';
  return (
    allowFleet &&
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
  /** Accept a simulated fleet's `hvflowd-fleet:<prefix>` (ALLOW_FLEET_IDENTITIES). */
  allowFleet: boolean,
  /** Told the outcome of every check: the refusal's message, or undefined when it passed. */
  onChecked: (refusal: string | undefined) => void = () => undefined,
): (host: string, cert: PeerCertificate) => Error | undefined {
  return (host, cert) => {
    const cn = cert.subject?.CN;
    const name = typeof cn === 'string' ? cn : '';
    if (mayActFor(name, chassisId, allowFleet)) {
      onChecked(undefined);
      return undefined;
    }
    const fleetRefused = !allowFleet && mayActFor(name, chassisId, true);
    const refusal =
      `hvflowd at ${host} presents "${name}", not the identity of chassis ${chassisId} ` +
      `(hvflowd:${chassisId})` +
      (fleetRefused
        ? `: a simulated fleet's identity, accepted only where ${fleetIdentitiesSetting}=true`
        : '');
    onChecked(refusal);
    return Object.assign(new Error(refusal), { code: 'ERR_HVFLOWD_IDENTITY' });
  };
}
