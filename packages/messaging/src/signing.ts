import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries a message's signature: `v1.<key id>.<base64url HMAC-SHA256>`. */
export const signatureHeader = 'vpcd_signature';

/** The shortest key accepted, in bytes: HMAC-SHA256 gains nothing from more than 32. */
export const minimumKeyBytes = 32;

/** Why a delivery failed authentication; the `reason` label of the rejected counter. */
export type RejectReason =
  'unsigned' | 'malformed' | 'unknown_key' | 'bad_signature' | 'wrong_type';

/** What a signature covers: everything a consumer reads from a message. */
export interface SignedFields {
  /** The AMQP `type` property, the message's kind ('' when none). */
  readonly type: string;
  /** The AMQP `message-id` property ('' when none). */
  readonly messageId: string;
  /**
   * The application headers. Headers named `x-...` (the broker's: x-delivery-count, x-death) and
   * the signature header itself are left out; every other header is covered, so a header added
   * on the way makes the signature fail.
   */
  readonly headers: Readonly<Record<string, unknown>>;
  readonly body: Buffer;
}

/** Keys compiled for signing: the first signs, every one verifies (key rotation). */
export interface SigningKeys {
  readonly signer: { readonly id: string; readonly key: Buffer };
  readonly byId: ReadonlyMap<string, Buffer>;
}

/** Checks and indexes `keys`; throws a TypeError naming the problem (never the key). */
export function compileSigningKeys(keys: readonly Buffer[]): SigningKeys {
  if (keys.length === 0) throw new TypeError('signingKeys must hold at least one key');
  const byId = new Map<string, Buffer>();
  keys.forEach((key, index) => {
    if (key.length < minimumKeyBytes) {
      throw new TypeError(`signingKeys[${index}] must be at least ${minimumKeyBytes} bytes`);
    }
    byId.set(keyId(key), Buffer.from(key));
  });
  const first = keys[0]!;
  return Object.freeze({ signer: { id: keyId(first), key: Buffer.from(first) }, byId });
}

/**
 * A key's public name: the first 8 bytes of its SHA-256, in hex. It lets a verifier pick the key
 * and tell an unknown key from a bad signature, and reveals nothing usable about the key.
 */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('vpcd-bus-key-id\0').update(key).digest('hex').slice(0, 16);
}

/**
 * The value of the signature header for `fields`, signed with the first key. Throws a TypeError
 * for a header the signature could not cover: one named `x-...` (the broker's) or whose value is
 * not a string or a finite number.
 */
export function sign(keys: SigningKeys, fields: SignedFields): string {
  const unsigned = Object.keys(fields.headers).find((name) => name.startsWith('x-'));
  if (unsigned !== undefined) {
    throw new TypeError(`header ${unsigned}: x- headers are the broker's and cannot be signed`);
  }
  const mac = hmac(keys.signer.key, fields);
  return `v1.${keys.signer.id}.${mac.toString('base64url')}`;
}

/**
 * Checks the signature header of a received message against every key. Returns undefined when it
 * is good, else the reason it is not; `keyId` is the key the message names, for the log.
 */
export function verify(
  keys: SigningKeys,
  fields: SignedFields,
): { reason: RejectReason; keyId?: string } | undefined {
  const header = headerText(fields.headers[signatureHeader]);
  if (header === undefined) return { reason: 'unsigned' };
  const match = /^v1\.([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/.exec(header);
  if (!match) return { reason: 'malformed' };
  const [, id, encoded] = match as unknown as [string, string, string];
  const key = keys.byId.get(id);
  if (!key) return { reason: 'unknown_key', keyId: id };
  let expected: Buffer;
  try {
    expected = hmac(key, fields);
  } catch {
    return { reason: 'malformed', keyId: id };
  }
  const given = Buffer.from(encoded, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { reason: 'bad_signature', keyId: id };
  }
  return undefined;
}

// HMAC-SHA256 over a canonical, length-prefixed encoding of the fields: a version tag, the type,
// the message id, the covered headers sorted by name (each with a type tag, so the string "5"
// and the number 5 differ) and the body. Length prefixes make every split of the input unique.
function hmac(key: Buffer, fields: SignedFields): Buffer {
  const mac = createHmac('sha256', key);
  const part = (value: Buffer | string) => {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    mac.update(`${bytes.length}:`);
    mac.update(bytes);
  };
  part('vpcd-bus-v1');
  part(fields.type);
  part(fields.messageId);
  const names = Object.keys(fields.headers)
    .filter((name) => !name.startsWith('x-') && name !== signatureHeader)
    .sort();
  part(String(names.length));
  for (const name of names) {
    part(name);
    part(canonicalValue(fields.headers[name]));
  }
  part(fields.body);
  return mac.digest();
}

// A header value as the publisher gave it: amqplib sends strings and numbers and decodes them
// as the same JS values; byte arrays and other AMQP types are not produced by a vpcd publisher
// and so never verify.
function canonicalValue(value: unknown): string {
  if (typeof value === 'string') return `s${value}`;
  if (typeof value === 'number' && Number.isFinite(value)) return `n${String(value)}`;
  throw new TypeError('a header of a type vpcd does not sign');
}

function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}
