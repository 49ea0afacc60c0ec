import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { privateMariadb, type PrivateMariadb } from '@vpcd/db/testing';
import { isRpcError, Status } from '@vpcd/rpc';
import { memoryTracing } from '@vpcd/observability/testing';
import { createConnection } from 'mysql2/promise';
import { eventually, startHarness, testVhostUrl, type Harness } from './test-support.js';

describe('database calls in traces, and database failures', () => {
  const { provider, exporter } = memoryTracing();
  let server: PrivateMariadb;
  let vhost: { url: string; drop(): Promise<void> };
  let h: Harness;

  before(async () => {
    server = await privateMariadb();
    const admin = await createConnection(server.url);
    await admin.query('CREATE DATABASE northd');
    await admin.end();
    vhost = await testVhostUrl();
    const database = {
      url: `${server.url}/northd`,
      database: 'northd',
      drop: () => Promise.resolve(),
    };
    h = await startHarness({}, { database, amqpUrl: vhost.url }, provider);
  });
  after(async () => {
    await h.stop();
    await vhost.drop();
    await server.destroy();
  });

  it('shows each query as a child span of the RPC span', async () => {
    exporter.reset();
    const project = await h.admin.projects.createProject({ name: 'traced', requestId: '' });
    await h.admin.projects.getProject({ id: project.id });
    const spans = await eventually(
      () => exporter.getFinishedSpans(),
      (s) => s.some((x) => x.name === 'vpc.v1.ProjectService/GetProject'),
    );
    const rpc = spans.find(
      (s) => s.name === 'vpc.v1.ProjectService/GetProject' && s.kind === SpanKind.SERVER,
    )!;
    const children = spans.filter((s) => s.parentSpanContext?.spanId === rpc.spanContext().spanId);
    assert.ok(
      children.some((s) => s.name === 'SELECT projects'),
      children.map((s) => s.name).join(','),
    );
    assert.ok(children.every((s) => s.spanContext().traceId === rpc.spanContext().traceId));
  });

  it('answers UNAVAILABLE while the database is down, and recovers when it is back', async () => {
    await server.stop();
    for (const call of [
      () => h.admin.projects.createProject({ name: 'while-down', requestId: '' }),
      () => h.admin.vpcs.listVpcs({ pageSize: 0, pageToken: '' }),
    ]) {
      await assert.rejects(call(), (err) => {
        assert.ok(isRpcError(err));
        assert.equal(Status[err.code], 'UNAVAILABLE', err.message);
        return true;
      });
    }
    await server.start();
    const back = await eventually(
      () =>
        h.admin.projects.createProject({ name: 'after', requestId: '' }).then(
          () => 'ok',
          (e: unknown) => String(e),
        ),
      (r) => r === 'ok',
    );
    assert.equal(back, 'ok');
    const names = (
      await h.admin.projects.listProjects({ pageSize: 0, pageToken: '' })
    ).projects.map((p) => p.name);
    assert.ok(!names.includes('while-down'), 'nothing was written while the database was down');
  });
});
