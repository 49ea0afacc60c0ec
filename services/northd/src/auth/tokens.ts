import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const prefix = 'vpcd_';

/** A new bearer token: 256 random bits, recognisable by its prefix in leak scanners. */
export function newToken(): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** SHA-256 of a token: tokens are high-entropy, so a fast hash is enough and only it is stored. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
