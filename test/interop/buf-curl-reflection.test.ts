// What an operator's own gRPC client sees: buf curl against real northd, southd and hvflowd
// processes, with no schema but what each server's reflection serves.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startRegion, type Region } from '../region/local-region.js';

const buf = fileURLToPath(new URL('../../../node_modules/.bin/buf', import.meta.url));

interface Curl {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The TLS flags buf curl needs for each server's port, as the region runs mutual TLS: the
 * region's CA for all, and southd's certificate towards southd and hvflowd (hvflowd serves only
 * southd; northd takes an operator's token, never a certificate with it).
 */
const tlsArgs = new Map<number, readonly string[]>();

/** buf curl over TLS with reflection as the only schema. */
function curl(port: number, args: readonly string[], token?: string): Promise<Curl> {
  const auth = token ? ['-H', `authorization: Bearer ${token}`] : [];
  const tls = tlsArgs.get(port) ?? assert.fail(`no TLS flags for port ${port}`);
  return new Promise((resolve) => {
    execFile(
      buf,
      ['curl', '--reflect', '--protocol', 'grpc', ...tls, ...auth, ...args].map((a) =>
        a.replace('<url>', `https://127.0.0.1:${port}`),
      ),
      // Outside the repository: buf reads a buf.yaml it finds in its working directory.
      { timeout: 30_000, cwd: tmpdir() },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A call's response as JSON; fails the test with buf's own message when the call failed. */
async function call(
  port: number,
  method: string,
  request: object,
  token?: string,
): Promise<Record<string, unknown>> {
  const res = await curl(port, ['-d', JSON.stringify(request), `<url>/${method}`], token);
  assert.equal(res.code, 0, `${method}: ${res.stderr}`);
  return JSON.parse(res.stdout) as Record<string, unknown>;
}

const lines = (text: string) => text.split('\n').filter(Boolean).sort();

describe('buf curl through reflection alone', () => {
  let region: Region;
  let northd: number;
  let southd: number;
  let hvflowd: number;

  before(async () => {
    region = await startRegion({
      runDir: mkdtempSync(join(tmpdir(), 'vpcd-interop-')),
      northds: 1,
      southds: 1,
      chassis: [{ id: 'hv1', underlayIp: '192.0.2.1', datapath: 'memory' }],
    });
    northd = region.northds[0]!.grpcPort;
    southd = region.southds[0]!.grpcPort;
    hvflowd = region.hvflowds[0]!.grpcPort;
    const tls = region.tls ?? assert.fail('the local region runs mutual TLS');
    const ca = ['--cacert', tls.ca.caFile, '--servername', 'localhost'];
    const asSouthd = tls.certificate('southd');
    const southdCert = [...ca, '--cert', asSouthd.certFile, '--key', asSouthd.keyFile];
    tlsArgs.set(northd, ca);
    tlsArgs.set(southd, southdCert);
    tlsArgs.set(hvflowd, southdCert);
  });
  after(() => region?.stop());

  it('lists what each server serves, and health', async () => {
    const cases = [
      {
        port: () => northd,
        want: [
          'grpc.health.v1.Health',
          'vpc.v1.ChassisService',
          'vpc.v1.InterfaceService',
          'vpc.v1.ProjectService',
          'vpc.v1.VpcService',
        ],
      },
      { port: () => southd, want: ['grpc.health.v1.Health'] },
      { port: () => hvflowd, want: ['grpc.health.v1.Health', 'vpc.v1.HvflowdService'] },
    ];
    for (const { port, want } of cases) {
      const res = await curl(port(), ['--list-services', '<url>']);
      assert.equal(res.code, 0, res.stderr);
      assert.deepEqual(lines(res.stdout), want);
    }
  });

  it("lists each service's methods", async () => {
    const cases = [
      { port: () => northd, service: 'vpc.v1.VpcService', method: 'CreateVpc' },
      { port: () => northd, service: 'vpc.v1.InterfaceService', method: 'ListInterfaces' },
      { port: () => northd, service: 'vpc.v1.ChassisService', method: 'SyncInitialChassis' },
      { port: () => northd, service: 'vpc.v1.ProjectService', method: 'CreateToken' },
      { port: () => hvflowd, service: 'vpc.v1.HvflowdService', method: 'ApplyChassisState' },
      { port: () => southd, service: 'grpc.health.v1.Health', method: 'Check' },
    ];
    for (const { port, service, method } of cases) {
      // buf curl takes the server's base URL and lists the methods of every service.
      const res = await curl(port(), ['--list-methods', '<url>']);
      assert.equal(res.code, 0, `${service}: ${res.stderr}`);
      assert.ok(lines(res.stdout).includes(`${service}/${method}`), `${service}: ${res.stdout}`);
    }
  });

  it('calls a method of every public service of northd', async () => {
    const admin = region.adminToken;
    const project = await call(
      northd,
      'vpc.v1.ProjectService/CreateProject',
      { name: 'interop' },
      admin,
    );
    const { token } = await call(
      northd,
      'vpc.v1.ProjectService/CreateToken',
      { projectId: project.id },
      admin,
    );
    assert.equal(typeof token, 'string');
    const vpc = await call(
      northd,
      'vpc.v1.VpcService/CreateVpc',
      { name: 'web', cidr: '10.20.0.0/24', requestId: 'interop-1' },
      token as string,
    );
    assert.equal(vpc.cidr, '10.20.0.0/24');
    assert.match(
      String(vpc.createTime),
      /^\d{4}-\d\d-\d\dT/,
      'a Timestamp, resolved from its file',
    );
    const vpcs = await call(northd, 'vpc.v1.VpcService/ListVpcs', {}, token as string);
    assert.equal((vpcs.vpcs as unknown[]).length, 1);
    const interfaces = await call(
      northd,
      'vpc.v1.InterfaceService/ListInterfaces',
      { vpcId: vpc.id },
      token as string,
    );
    assert.deepEqual(interfaces.interfaces ?? [], []);
    const chassis = await call(northd, 'vpc.v1.ChassisService/ListChassis', {}, admin);
    assert.ok((chassis.chassis as Array<{ id: string }>).some((c) => c.id === 'hv1'));
  });

  it("calls hvflowd's HvflowdService and southd's health", async () => {
    const state = await call(
      hvflowd,
      'vpc.v1.HvflowdService/GetChassisState',
      {},
      region.adminToken,
    );
    assert.ok(Array.isArray(state.flows ?? []));
    const health = await call(southd, 'grpc.health.v1.Health/Check', {});
    assert.equal(health.status, 'SERVING');
  });
});
