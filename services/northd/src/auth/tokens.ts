import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const prefix = 'vpcd_';
const secretBytes = 32;
// What newToken makes: the prefix and 43 base64url characters (32 bytes, unpadded).
const wellFormed = /^vpcd_[A-Za-z0-9_-]{43}$/;

/** A new bearer token: 256 random bits, recognisable by its prefix in leak scanners. */
export function newToken(): string {
  return prefix + randomBytes(secretBytes).toString('base64url');
}

/**
 * Whether `token` has the shape newToken gives (prefix, length, alphabet): anything else cannot
 * be a project or service token, so it is refused without a lookup.
 */
export function isWellFormedToken(token: string): boolean {
  return wellFormed.test(token);
}

/** The last four characters, kept in the clear so that listed tokens can be told apart. */
export function tokenSuffix(token: string): string {
  return token.slice(-4);
}

/** SHA-256 of a token: tokens are high-entropy, so a fast hash is enough and only it is stored. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
