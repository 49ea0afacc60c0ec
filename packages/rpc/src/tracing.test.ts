import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { activeDeadlineMs } from './deadline.js';
import { memoryTracing } from '@vpcd/observability/testing';
import { eventually, startServer, vpc, vpcClient, type TestServer } from './test-support.js';

describe('tracing and deadline propagation', () => {
  const { provider, exporter } = memoryTracing();
  let back: TestServer;
  let front: TestServer;
  let frontToBack: ReturnType<typeof vpcClient>;
  let client: ReturnType<typeof vpcClient>;
  const seenByHandler: { traceId?: string; deadlineMs?: number; backDeadlineMs?: number } = {};

  before(async () => {
    back = await startServer({
      tracerProvider: provider,
      impl: {
        getVpc: (_req, call) => {
          const deadline = call.getDeadline();
          seenByHandler.backDeadlineMs = new Date(deadline).getTime();
          return Promise.resolve(vpc({ name: 'from-back' }));
        },
      },
    });
    frontToBack = vpcClient(back.address, { tracerProvider: provider, defaultDeadlineMs: 60_000 });
    front = await startServer({
      tracerProvider: provider,
      impl: {
        // The handler of the first server calls the second: one trace must cover both hops.
        getVpc: async () => {
          seenByHandler.traceId = trace.getActiveSpan()?.spanContext().traceId;
          seenByHandler.deadlineMs = activeDeadlineMs();
          return frontToBack.getVpc({ id: 'vpc-1' });
        },
      },
    });
    client = vpcClient(front.address, { tracerProvider: provider });
  });
  after(async () => {
    client.close();
    frontToBack.close();
    await Promise.all([front.server.shutdown(), back.server.shutdown()]);
    await provider.shutdown();
  });

  it('links client -> server -> client -> server into one trace', async () => {
    const root = provider.getTracer('test').startSpan('test-root');
    const response = await context.with(trace.setSpan(context.active(), root), () =>
      client.getVpc({ id: 'vpc-1' }),
    );
    root.end();
    assert.equal(response.name, 'from-back');
    const spans = await eventually(
      () => exporter.getFinishedSpans().filter((s) => s.name === 'vpc.v1.VpcService/GetVpc'),
      (s) => s.length >= 4,
    );
    assert.equal(spans.length, 4);
    assert.deepEqual(
      new Set(spans.map((s) => s.spanContext().traceId)),
      new Set([root.spanContext().traceId]),
      'every hop is in the trace of the caller',
    );
    // Follow parent links from the caller's span down: client -> server -> client -> server.
    const order = [];
    for (let parent = root.spanContext().spanId; ;) {
      const child = spans.find((s) => s.parentSpanContext?.spanId === parent);
      if (!child) break;
      order.push(child);
      parent = child.spanContext().spanId;
    }
    assert.deepEqual(
      order.map((s) => s.kind),
      [SpanKind.CLIENT, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.SERVER],
    );
    assert.equal(seenByHandler.traceId, root.spanContext().traceId, 'the handler sees its span');
    for (const span of order) {
      assert.deepEqual(span.attributes, {
        'rpc.system': 'grpc',
        'rpc.service': 'vpc.v1.VpcService',
        'rpc.method': 'GetVpc',
        'rpc.grpc.status_code': 0,
      });
    }
  });

  it("passes the caller's deadline on to the calls its handler makes", async () => {
    const deadlineMs = Date.now() + 5_000;
    await client.getVpc({ id: 'vpc-1' }, { deadlineMs: 5_000 });
    assert.ok(Number.isFinite(seenByHandler.deadlineMs), 'the handler sees a deadline');
    assert.ok(seenByHandler.deadlineMs! <= deadlineMs + 1_000);
    // Without propagation the inner call would carry its client's 60 s default.
    assert.ok(seenByHandler.backDeadlineMs! <= deadlineMs + 1_000);
  });
});
