const COOKIE_MAX = (1n << 64n) - 1n;
const utf8 = new TextEncoder();

/**
 * The cookie of the flow whose purpose is `purpose` (e.g. `port:<interface id>:ingress-ip`): the
 * 64-bit FNV-1a hash of its UTF-8 bytes. Stable across compilations and releases, so a flow that
 * changes keeps its cookie; 0 and 2^64-1 (OpenFlow's "any") are skipped by hashing `purpose#`.
 */
export function cookieFor(purpose: string): bigint {
  const cookie = fnv1a64(purpose);
  return cookie === 0n || cookie === COOKIE_MAX ? cookieFor(`${purpose}#`) : cookie;
}

/**
 * FNV-1a 64 of the UTF-8 bytes of `text`, in four 16-bit limbs (v0 lowest) so that every product
 * stays exact in a double. ASCII text is hashed from its char codes, which are its UTF-8 bytes.
 */
export function fnv1a64(text: string): bigint {
  let [v0, v1, v2, v3] = [0x2325, 0x8422, 0x9ce4, 0xcbf2];
  const bytes = /^\p{ASCII}*$/u.test(text) ? undefined : utf8.encode(text);
  const length = bytes?.length ?? text.length;
  for (let i = 0; i < length; i++) {
    v0 ^= bytes === undefined ? text.charCodeAt(i) : bytes[i]!;
    // Multiply by the FNV prime 2^40 + 0x1b3, modulo 2^64.
    const t0 = v0 * 0x1b3;
    let t1 = v1 * 0x1b3;
    let t2 = v2 * 0x1b3 + (v0 << 8);
    const t3 = v3 * 0x1b3 + (v1 << 8);
    t1 += t0 >>> 16;
    v0 = t0 & 0xffff;
    t2 += t1 >>> 16;
    v1 = t1 & 0xffff;
    v3 = (t3 + (t2 >>> 16)) & 0xffff;
    v2 = t2 & 0xffff;
  }
  return (BigInt(v3 * 0x10000 + v2) << 32n) | BigInt(v1 * 0x10000 + v0);
}
