import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { PeerCertificate } from 'node:tls';
import { Metadata } from '@grpc/grpc-js';
import { countQueries, type Database } from '@vpcd/db';
import { createLogger, createRegistry } from '@vpcd/observability';
import { isRpcError, Status, type Authenticate } from '@vpcd/rpc';
import { TokenStore, type TokenOwner } from '../store/tokens.js';
import { migratedDatabase } from '../test-support.js';
import { authMetrics } from './auth-metrics.js';
import { createAuthenticator } from './authenticator.js';
import { PeerLimiter } from './peer-limiter.js';
import type { Principal } from './principal.js';
import { TokenResolver } from './token-resolver.js';
import { hashToken, newToken, tokenSuffix } from './tokens.js';

const adminToken = 'authenticator-test-admin-token';
const listVpcs = '/vpc.v1.VpcService/ListVpcs';
const heartbeat = '/vpc.v1.ChassisService/Heartbeat';

describe('the authenticator on a real token table', () => {
  const database = migratedDatabase();
  let db: Database;
  let store: TokenStore;
  let projectId: string;

  before(async () => {
    db = database.db;
    store = new TokenStore(db);
    projectId = randomUUID();
    await db.execute('INSERT INTO projects (id, name) VALUES (?, ?)', [projectId, 'p']);
  });

  async function issue(owner: TokenOwner = { projectId }): Promise<{ id: string; token: string }> {
    const token = newToken();
    const id = randomUUID();
    await store.insert(db, {
      id,
      owner,
      hash: hashToken(token),
      suffix: tokenSuffix(token),
      expireTime: undefined,
    });
    return { id, token };
  }

  function authenticator(
    sizes: { valid: number; invalid: number },
    maxFailures = 0,
    allowFleetIdentities = false,
  ) {
    const limiter = new PeerLimiter({ maxFailures, windowMs: 60_000, maxPeers: 10 });
    const registry = createRegistry({ service: 'test', collectDefault: false });
    const metrics = authMetrics(registry, () => ({
      cacheEntries: (cache) => resolver.size(cache),
      cacheCapacity: (cache) => resolver.capacity(cache),
      peersTracked: () => limiter.tracked(),
      peersCapacity: () => limiter.capacity,
      peersLimited: () => limiter.limited(),
    }));
    const resolver: TokenResolver = new TokenResolver({
      tokens: store,
      metrics,
      cacheTtlMs: 600_000,
      cacheSize: sizes.valid,
      negativeCacheSize: sizes.invalid,
      negativeCacheTtlMs: 600_000,
    });
    const authenticate: Authenticate<Principal> = createAuthenticator({
      adminToken,
      resolver,
      limiter,
      metrics,
      logger: createLogger({ name: 'test', level: 'silent' }),
      allowFleetIdentities,
    });
    const call = (token: string, path = listVpcs) => {
      const metadata = new Metadata();
      metadata.set('authorization', `Bearer ${token}`);
      return authenticate({ path, metadata, authContext: {}, peer: '127.0.0.1:4000' });
    };
    /** A call on mutual TLS whose client certificate has common name `cn`. */
    const callWithCertificate = (cn: string, path = heartbeat) =>
      authenticate({
        path,
        metadata: new Metadata(),
        authContext: { sslPeerCertificate: { subject: { CN: cn } } as PeerCertificate },
        peer: '127.0.0.1:4000',
      });
    return { call, callWithCertificate, resolver };
  }

  const unknown = () => `vpcd_${randomBytes(32).toString('base64url')}`;
  const refused = (err: unknown) => isRpcError(err) && err.code === Status.UNAUTHENTICATED;

  it('looks an unknown token up once, even when many calls carry it at once', async () => {
    const { call } = authenticator({ valid: 10, invalid: 10 });
    const token = unknown();
    const first = await countQueries(() =>
      Promise.allSettled(Array.from({ length: 10 }, () => call(token))),
    );
    assert.ok(first.result.every((r) => r.status === 'rejected' && refused(r.reason)));
    assert.equal(first.queries, 1);
    const again = await countQueries(() => call(token).catch(() => undefined));
    assert.equal(again.queries, 0);
  });

  it('lets one peer start no more lookups at once than the failures it is allowed', async () => {
    const { call } = authenticator({ valid: 10, invalid: 100 }, 5);
    const valid = await issue();
    const burst = await countQueries(() =>
      Promise.allSettled(Array.from({ length: 50 }, () => call(unknown()))),
    );
    assert.equal(burst.queries, 5, 'five lookups; the other 45 calls cost none');
    const codes = burst.result.map((r) =>
      r.status === 'rejected' && isRpcError(r.reason) ? Status[r.reason.code] : r.status,
    );
    assert.deepEqual(
      [
        codes.filter((c) => c === 'UNAUTHENTICATED').length,
        codes.filter((c) => c === 'RESOURCE_EXHAUSTED').length,
      ],
      [5, 45],
    );
    // The peer is now over its limit: a valid token it has not used yet costs no lookup either.
    await assert.rejects(
      call(valid.token),
      (err: unknown) => isRpcError(err) && err.code === Status.RESOURCE_EXHAUSTED,
    );
  });

  it('keeps a valid token cached while a spray of unknown ones overflows the negative cache', async () => {
    const { call, resolver } = authenticator({ valid: 10, invalid: 8 });
    const valid = await issue();
    assert.deepEqual(await call(valid.token), { kind: 'project', projectId });
    const spray = await countQueries(async () => {
      for (let i = 0; i < 50; i++) await assert.rejects(call(unknown()), refused);
    });
    assert.equal(spray.queries, 50, 'each new unknown token costs its one statement');
    assert.equal(resolver.size('invalid'), 8, 'bounded');
    const after = await countQueries(() => call(valid.token));
    assert.deepEqual(after, { result: { kind: 'project', projectId }, queries: 0 });
  });

  it('does not cache a lookup that a revocation overtook', async () => {
    const { call, resolver } = authenticator({ valid: 10, invalid: 10 });
    const token = await issue();
    const { queries } = await countQueries(async () => {
      const inFlight = call(token.token);
      resolver.forget(token.id);
      await inFlight;
      await call(token.token);
    });
    assert.equal(queries, 2, 'the second call looked the token up again');
  });

  it('refuses malformed tokens and the admin token costs nothing', async () => {
    const { call } = authenticator({ valid: 10, invalid: 10 });
    const { queries } = await countQueries(async () => {
      for (const token of ['vpcd_short', `vpcd_${'!'.repeat(43)}`, `xpcd_${'a'.repeat(43)}`]) {
        await assert.rejects(call(token), refused);
      }
      assert.deepEqual(await call(adminToken), { kind: 'admin' });
    });
    assert.equal(queries, 0);
  });

  it('refuses a fleet certificate and a fleet token unless ALLOW_FLEET_IDENTITIES is set', async () => {
    const fleet = await issue({ role: 'hvflowd-fleet', subject: 'sim' });
    const strict = authenticator({ valid: 10, invalid: 10 });
    await assert.rejects(
      strict.callWithCertificate('hvflowd-fleet:sim'),
      (err: unknown) =>
        isRpcError(err) &&
        err.code === Status.UNAUTHENTICATED &&
        /hvflowd-fleet:sim is a simulated fleet's identity.*ALLOW_FLEET_IDENTITIES=true/.test(
          err.message,
        ),
    );
    await assert.rejects(
      strict.call(fleet.token, heartbeat),
      (err: unknown) =>
        isRpcError(err) &&
        err.code === Status.PERMISSION_DENIED &&
        /ALLOW_FLEET_IDENTITIES=true/.test(err.message),
    );
    assert.deepEqual(await strict.callWithCertificate('hvflowd:hv1'), {
      kind: 'service',
      role: 'hvflowd',
      subject: 'hv1',
    });

    const fleetAllowed = authenticator({ valid: 10, invalid: 10 }, 0, true);
    const principal = { kind: 'service', role: 'hvflowd-fleet', subject: 'sim' };
    assert.deepEqual(await fleetAllowed.callWithCertificate('hvflowd-fleet:sim'), principal);
    assert.deepEqual(await fleetAllowed.call(fleet.token, heartbeat), principal);
  });
});
