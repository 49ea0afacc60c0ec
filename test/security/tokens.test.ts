// Issue 14, item 5 (tokens are manageable) and the service tokens of item 1, on two real northd
// processes sharing one MariaDB database and one RabbitMQ vhost.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import {
  ChassisServiceClient,
  ProjectServiceClient,
  VpcServiceClient,
  type CreateTokenResponse,
} from '@vpcd/api';
import { createDatabase, type Database } from '@vpcd/db';
import { createTestDatabase, type TestDatabase } from '@vpcd/db/testing';
import { testBusKey, testVhostUrl, type TestVhost } from '@vpcd/messaging/testing';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient, isRpcError, Status, type PromiseClient } from '@vpcd/rpc';
import { fileURLToPath } from 'node:url';
import { parsePromText, sumOf } from '../bench/common/prom-text.js';
import { spawnService, type ServiceProcess } from '../region/service-process.js';

const adminToken = 'security-tokens-admin-0123456789';
const northdMain = fileURLToPath(new URL('../../../services/northd/dist/main.js', import.meta.url));
// Northd "limited" refuses a peer after this many failures; northd "open" never does.
const failureLimit = 5;

interface Northd {
  readonly process: ServiceProcess;
  readonly projects: PromiseClient<ProjectServiceClient>;
  readonly vpcs: PromiseClient<VpcServiceClient>;
  readonly chassis: PromiseClient<ChassisServiceClient>;
  /** The sum of a metric's series whose labels include `where`. */
  metric(name: string, where?: Record<string, string>): Promise<number>;
  close(): void;
}

/** `authorization` exactly as given. */
function auth(header: string): { metadata: Metadata } {
  const metadata = new Metadata();
  metadata.set('authorization', header);
  return { metadata };
}

const bearer = (token: string) => auth(`Bearer ${token}`);

/** A well-formed token that was never issued. */
const randomToken = () => `vpcd_${randomBytes(32).toString('base64url')}`;

async function refusal(
  call: Promise<unknown>,
): Promise<{ code: Status; message: string } | undefined> {
  try {
    await call;
    return undefined;
  } catch (err) {
    if (!isRpcError(err)) throw err;
    return { code: err.code, message: err.message };
  }
}

describe('tokens: list, revoke, expiry, caches and the failure limit', () => {
  let database: TestDatabase;
  let vhost: TestVhost;
  let db: Database;
  let limited: Northd;
  let open: Northd;
  let projectId: string;

  async function startNorthd(name: string, env: Record<string, string>): Promise<Northd> {
    const process = await spawnService({
      name,
      script: northdMain,
      readyMessage: 'northd started',
      logDir: mkdtempSync(join(tmpdir(), 'vpcd-security-tokens-')),
      env: {
        MYSQL_URL: database.url,
        AMQP_URL: vhost.url,
        VPCD_ADMIN_TOKEN: adminToken,
        GRPC_LISTEN: '127.0.0.1:0',
        METRICS_LISTEN: '127.0.0.1:0',
        NORTHD_ID: name,
        LOG_LEVEL: 'info',
        OTEL_TRACES_EXPORTER: 'none',
        ...testBusKey.env,
        ...env,
      },
    });
    const options = {
      address: `127.0.0.1:${process.grpcPort}`,
      logger: createLogger({ name: 'test-client', level: 'silent' }),
      registry: createRegistry({ service: 't', collectDefault: false }),
    };
    const projects = createClient(ProjectServiceClient, options);
    const vpcs = createClient(VpcServiceClient, options);
    const chassis = createClient(ChassisServiceClient, options);
    return {
      process,
      projects,
      vpcs,
      chassis,
      async metric(metricName, where = {}) {
        const page = await fetch(`http://127.0.0.1:${process.metricsPort}/metrics`);
        return sumOf(parsePromText(await page.text()), metricName, where);
      },
      close() {
        for (const c of [projects, vpcs, chassis]) c.close();
      },
    };
  }

  /** SQL statements northd sent on the pool the authenticator reads tokens from. */
  const statements = (n: Northd) => n.metric('db_queries_total', { db: 'northd' });

  const listVpcs = (n: Northd, token: string) =>
    n.vpcs.listVpcs({ pageSize: 0, pageToken: '' }, bearer(token));

  async function projectToken(
    through: Northd,
    expiration: { expireTime?: Date; ttl?: { seconds: number; nanos: number } } = {},
  ): Promise<CreateTokenResponse> {
    return through.projects.createToken(
      { projectId, requestId: '', ...expiration },
      bearer(adminToken),
    );
  }

  before(async () => {
    database = await createTestDatabase();
    vhost = await testVhostUrl();
    db = createDatabase({
      url: database.url,
      logger: createLogger({ name: 'test-db', level: 'silent' }),
      registry: createRegistry({ service: 't', collectDefault: false }),
    });
    // One after the other: the second finds the schema migrated.
    limited = await startNorthd('northd-limited', {
      AUTH_FAILURE_LIMIT: String(failureLimit),
      AUTH_FAILURE_WINDOW_MS: '600000',
    });
    open = await startNorthd('northd-open', { AUTH_FAILURE_LIMIT: '0' });
    const project = await limited.projects.createProject(
      { name: 'tenant-a', requestId: '' },
      bearer(adminToken),
    );
    projectId = project.id;
  });

  after(async () => {
    for (const n of [limited, open]) {
      n?.close();
      await n?.process.stop();
    }
    await db?.close();
    await database?.drop();
    await vhost?.drop();
  });

  it("lists a project's tokens without their secrets, and revokes one by id", async () => {
    const kept = await projectToken(limited);
    const revoked = await projectToken(limited, { ttl: { seconds: 3600, nanos: 0 } });
    assert.ok(revoked.expireTime instanceof Date);

    const { tokens } = await limited.projects.listTokens(
      { projectId, pageSize: 0, pageToken: '' },
      bearer(adminToken),
    );
    const byId = new Map(tokens.map((t) => [t.id, t]));
    for (const issued of [kept, revoked]) {
      const listed = byId.get(issued.tokenId);
      assert.ok(listed, `token ${issued.tokenId} listed`);
      assert.equal(listed.projectId, projectId);
      assert.equal(listed.suffix, issued.token.slice(-4));
      assert.equal(listed.revoked, false);
      assert.ok(listed.createTime instanceof Date);
      assert.ok(!JSON.stringify(listed).includes(issued.token), 'the secret is never listed');
    }
    assert.equal(byId.get(kept.tokenId)?.expireTime, undefined);
    assert.equal(byId.get(revoked.tokenId)?.expireTime?.getTime(), revoked.expireTime?.getTime());

    await listVpcs(open, revoked.token);
    const answer = await limited.projects.revokeToken({ id: revoked.tokenId }, bearer(adminToken));
    assert.equal(answer.revoked, true);
    assert.ok(answer.revokeTime instanceof Date);
    assert.equal(
      (await limited.projects.revokeToken({ id: revoked.tokenId }, bearer(adminToken))).revoked,
      true,
      'revoking again is a no-op',
    );
    const refused = await refusal(listVpcs(open, revoked.token));
    assert.deepEqual(refused, { code: Status.UNAUTHENTICATED, message: 'token revoked' });
    await listVpcs(open, kept.token);
    assert.equal(
      (await refusal(limited.projects.revokeToken({ id: 'no-such-token' }, bearer(adminToken))))
        ?.code,
      Status.NOT_FOUND,
    );
  });

  it('refuses a token once its expiry passes, and an expiry in the past', async () => {
    const lasting = await projectToken(limited, { expireTime: new Date(Date.now() + 3_600_000) });
    const brief = await projectToken(limited, { ttl: { seconds: 1, nanos: 0 } });
    await listVpcs(open, lasting.token);
    let refused: Awaited<ReturnType<typeof refusal>>;
    const deadline = Date.now() + 10_000;
    do {
      refused = await refusal(listVpcs(open, brief.token));
      if (refused === undefined) await sleep(100);
    } while (refused === undefined && Date.now() < deadline);
    assert.deepEqual(refused, { code: Status.UNAUTHENTICATED, message: 'token expired' });

    const past = await refusal(projectToken(limited, { expireTime: new Date(Date.now() - 1000) }));
    assert.equal(past?.code, Status.INVALID_ARGUMENT);
    assert.match(past?.message ?? '', /expire_time/);
  });

  it('a token revoked through one northd is refused by the other within 1 s', async () => {
    const issued = await projectToken(limited);
    // The other northd has it cached as valid (for 30 s by default) from this call on.
    await listVpcs(open, issued.token);
    await listVpcs(open, issued.token);
    await limited.projects.revokeToken({ id: issued.tokenId }, bearer(adminToken));
    const revokedAt = Date.now();
    let refused: Awaited<ReturnType<typeof refusal>>;
    do {
      refused = await refusal(listVpcs(open, issued.token));
    } while (refused === undefined && Date.now() - revokedAt < 1000);
    assert.equal(refused?.code, Status.UNAUTHENTICATED, 'refused within 1 s of the revocation');
  });

  it('an unknown token costs one statement, then none', async () => {
    const unknown = randomToken();
    const before = await statements(open);
    for (let i = 0; i < 5; i++) {
      const refused = await refusal(listVpcs(open, unknown));
      assert.deepEqual(refused, { code: Status.UNAUTHENTICATED, message: 'unknown token' });
    }
    assert.equal((await statements(open)) - before, 1);
  });

  it('a malformed token or authorization header costs no statement', async () => {
    const good = randomToken();
    const cases: Array<[string, string]> = [
      ['wrong prefix', `Bearer vpcx_${good.slice(5)}`],
      ['too short', `Bearer ${good.slice(0, -1)}`],
      ['too long', `Bearer ${good}A`],
      ['outside base64url', `Bearer ${good.slice(0, -1)}+`],
      ['not Bearer', `Basic ${good}`],
      ['no token', 'Bearer '],
    ];
    const before = await statements(open);
    for (const [what, header] of cases) {
      const refused = await refusal(
        open.vpcs.listVpcs({ pageSize: 0, pageToken: '' }, auth(header)),
      );
      assert.equal(refused?.code, Status.UNAUTHENTICATED, what);
    }
    assert.equal((await statements(open)) - before, 0);
  });

  it('a service token resolves to its role and subject, and calls no tenant or admin method', async () => {
    const service = await limited.projects.createServiceToken(
      { role: 'hvflowd', subject: 'hv-sec-1', requestId: '' },
      bearer(adminToken),
    );
    const refusedRole = await refusal(
      limited.projects.createServiceToken(
        { role: 'tenant', subject: 'x', requestId: '' },
        bearer(adminToken),
      ),
    );
    assert.equal(refusedRole?.code, Status.INVALID_ARGUMENT);
    assert.match(refusedRole?.message ?? '', /role/);

    const requestId = 'security-tokens-register-1';
    await open.chassis.registerChassis(
      {
        chassisId: 'hv-sec-1',
        hostname: 'hv-sec-1',
        underlayIp: '192.0.2.10',
        hvflowdAddr: '192.0.2.10:50053',
        requestId,
      },
      bearer(service.token),
    );
    // Idempotency records are kept per caller: this one's scope names the role and subject.
    const scopes = await db.query<{ scope: string }>(
      'SELECT scope FROM request_log WHERE request_id = ?',
      [requestId],
    );
    assert.deepEqual(
      scopes.map((r) => r.scope),
      ['service:hvflowd:hv-sec-1'],
    );

    for (const [what, call] of [
      ['ListVpcs', listVpcs(open, service.token)],
      [
        'ListProjects',
        open.projects.listProjects({ pageSize: 0, pageToken: '' }, bearer(service.token)),
      ],
      [
        'ListTokens',
        open.projects.listTokens(
          { projectId: '', pageSize: 0, pageToken: '' },
          bearer(service.token),
        ),
      ],
    ] as const) {
      assert.equal((await refusal(call))?.code, Status.PERMISSION_DENIED, what);
    }

    const { tokens } = await limited.projects.listTokens(
      { projectId: '', pageSize: 1000, pageToken: '' },
      bearer(adminToken),
    );
    const listed = tokens.find((t) => t.id === service.tokenId);
    assert.deepEqual(
      listed && { projectId: listed.projectId, role: listed.role, subject: listed.subject },
      { projectId: '', role: 'hvflowd', subject: 'hv-sec-1' },
    );
  });

  it('a project token cannot list, revoke or create tokens; the admin can', async () => {
    const tenant = await projectToken(limited);
    const calls = (token: string) => [
      limited.projects.listTokens({ projectId, pageSize: 0, pageToken: '' }, bearer(token)),
      limited.projects.revokeToken({ id: tenant.tokenId }, bearer(token)),
      limited.projects.createServiceToken(
        { role: 'southd', subject: 'southd', requestId: '' },
        bearer(token),
      ),
    ];
    for (const call of calls(tenant.token)) {
      assert.equal((await refusal(call))?.code, Status.PERMISSION_DENIED);
    }
    const [list, revoke, create] = calls(adminToken);
    assert.ok((await list) && (await create));
    assert.equal(((await revoke) as { revoked: boolean }).revoked, true);
  });

  // Last on this northd: it leaves 127.0.0.1 refused there for the rest of the window.
  it('counts failed authentications by reason and refuses a peer after too many, without a lookup', async () => {
    const cachedTenantToken = (await projectToken(limited)).token;
    await listVpcs(limited, cachedTenantToken);
    const unknownBefore = await limited.metric('northd_auth_failures_total', { reason: 'unknown' });
    for (let i = 0; i < failureLimit; i++) {
      const refused = await refusal(listVpcs(limited, randomToken()));
      assert.equal(refused?.code, Status.UNAUTHENTICATED);
    }
    assert.equal(
      (await limited.metric('northd_auth_failures_total', { reason: 'unknown' })) - unknownBefore,
      failureLimit,
    );

    const before = await statements(limited);
    for (const token of [randomToken(), randomToken()]) {
      const refused = await refusal(listVpcs(limited, token));
      assert.equal(refused?.code, Status.RESOURCE_EXHAUSTED);
      assert.match(refused?.message ?? '', /too many failed authentications/);
    }
    assert.equal((await statements(limited)) - before, 0, 'no lookup for a refused peer');
    assert.equal(await limited.metric('northd_auth_failures_total', { reason: 'rate_limited' }), 2);
    // Whoever shares the address with a bad client is not locked out: the admin token, and a
    // token this northd already resolved, pass without a lookup.
    const lookups = () => limited.metric('northd_token_lookups_total', { source: 'database' });
    const lookupsBefore = await lookups();
    await listVpcs(limited, adminToken);
    await listVpcs(limited, cachedTenantToken);
    assert.equal((await lookups()) - lookupsBefore, 0, 'no lookup for cached credentials');
    assert.equal(await limited.metric('northd_auth_peers_limited'), 1);
    // The other northd keeps its own count and does not limit this peer.
    await listVpcs(open, adminToken);
  });
});
