import { createHash } from 'node:crypto';

/** Linux limits interface names to 15 characters (IFNAMSIZ - 1); OVS internal ports are devices. */
const MAX_NAME = 15;

/**
 * The name of the port hvflowd creates for an interface: `vif-` and the first 10 characters of
 * its id (what an operator recognises), or of the id's SHA-256 when that name is `taken` already
 * (two ids sharing a prefix) or the id has characters a device name cannot hold.
 */
export function portNameFor(interfaceId: string, taken: ReadonlySet<string>): string {
  const readable = `vif-${interfaceId.slice(0, 10)}`;
  if (/^[A-Za-z0-9_.-]+$/.test(readable) && !taken.has(readable)) return readable;
  const hashed = `vif-${createHash('sha256').update(interfaceId).digest('hex').slice(0, 10)}`;
  return hashed.slice(0, MAX_NAME);
}
