import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import type { LoggerOptions } from 'pino';
import { eventually, startServer, vpcClient, type TestServer } from './test-support.js';
import { memoryTracing } from '@vpcd/observability/testing';

// The line is built by the line writer for a plain logger, and by pino itself for a logger the
// writer cannot reproduce (here one with a mixin): both must write the same fields.
const loggers: Array<[string, LoggerOptions]> = [
  ['built by the line writer', {}],
  ["written by pino's own path", { mixin: () => ({ via: 'pino' }) }],
];

for (const [how, loggerOptions] of loggers)
  describe(`call logging, ${how}`, () => {
    const { provider } = memoryTracing();
    let t: TestServer;
    let client: ReturnType<typeof vpcClient>;
    before(async () => {
      t = await startServer({ tracerProvider: provider, loggerOptions });
      client = vpcClient(t.address, { tracerProvider: provider, bearerToken: 'sekret-token' });
    });
    after(async () => {
      client.close();
      await t.server.shutdown();
    });

    const callLines = () => t.lines.filter((l) => l.msg === 'finished call');

    it('writes one line per call with method, code, duration, peer and trace id', async () => {
      const root = provider.getTracer('test').startSpan('root');
      const { context, trace } = await import('@opentelemetry/api');
      await context.with(trace.setSpan(context.active(), root), () => client.getVpc({ id: 'a' }));
      root.end();
      await assert.rejects(client.getVpc({ id: 'missing' }));
      const lines = await eventually(callLines, (l) => l.length >= 2);
      assert.equal(lines.length, 2);
      const [ok, notFound] = lines;
      assert.equal(ok!['grpc.service'], 'vpc.v1.VpcService');
      assert.equal(ok!['grpc.method'], 'GetVpc');
      assert.equal(ok!['grpc.code'], 'OK');
      assert.equal(typeof ok!['grpc.duration_ms'], 'number');
      assert.match(String(ok!.peer), /^127\.0\.0\.1:\d+$/);
      assert.equal(ok!.trace_id, root.spanContext().traceId);
      assert.equal(ok!.level, 30, 'OK is info');
      assert.equal(ok!.via, loggerOptions.mixin ? 'pino' : undefined, 'the path under test');
      assert.equal(notFound!['grpc.code'], 'NotFound');
      assert.equal(notFound!['grpc.error'], 'vpc missing not found');
      assert.match(String(notFound!.trace_id), /^[0-9a-f]{32}$/);
    });

    it('never writes the credentials a caller sent', async () => {
      const metadata = new Metadata();
      metadata.set('x-api-key', 'another-secret');
      await client.getVpc({ id: 'b' }, { metadata });
      await eventually(callLines, (l) => l.length >= 3);
      const text = JSON.stringify(t.lines);
      assert.doesNotMatch(text, /sekret-token|another-secret/);
    });
  });
