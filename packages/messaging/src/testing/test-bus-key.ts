import { randomBytes } from 'node:crypto';

// One key per test process: every broker and service a test starts shares it, as northd and
// southd share theirs in a region.
const key = randomBytes(32).toString('base64url');

/**
 * The bus key of this test process, as `BUS_HMAC_KEY` for a service's environment and as
 * `signingKeys` for a broker a test makes: northd and southd refuse unsigned messages, so a
 * test that plays one of them signs with this.
 */
export const testBusKey = Object.freeze({
  env: Object.freeze({ BUS_HMAC_KEY: key }),
  signingKeys: Object.freeze([Buffer.from(key, 'utf8')]),
});
