import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { EnvError } from './env-error.js';
import { createLogger } from './logger.js';
import { startTracing } from './tracing.js';

interface OtlpJsonRequest {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: { name: string }[] }[];
  }[];
}

interface ExportRequest {
  contentType: string | undefined;
  body: Buffer;
}

/** An OTLP/HTTP receiver: records every POST /v1/traces and answers 200 with an empty body. */
async function startReceiver(): Promise<{
  server: Server;
  url: string;
  requests: ExportRequest[];
}> {
  const requests: ExportRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const found = req.method === 'POST' && req.url === '/v1/traces';
      if (found)
        requests.push({ contentType: req.headers['content-type'], body: Buffer.concat(chunks) });
      res.writeHead(found ? 200 : 404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

/** The URL of a port on which nothing listens. */
async function closedPortUrl(): Promise<string> {
  const { server, url } = await startReceiver();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return url;
}

describe('startTracing', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  before(async () => {
    receiver = await startReceiver();
  });
  after(async () => {
    receiver.server.closeAllConnections();
    await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
  });

  it('exports spans over OTLP/HTTP JSON to the endpoint in the environment', async () => {
    const tracing = startTracing({
      serviceName: 'northd',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test',
      },
    });
    trace.getTracer('test').startActiveSpan('CreateVpc', (span) => span.end());
    await tracing.shutdown();
    const spans = receiver.requests.flatMap(
      (r) => (JSON.parse(r.body.toString('utf8')) as OtlpJsonRequest).resourceSpans,
    );
    assert.deepEqual(
      spans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name))),
      ['CreateVpc'],
    );
    const attributes = new Map(
      spans[0]?.resource.attributes.map((a) => [a.key, a.value.stringValue]),
    );
    assert.equal(attributes.get('service.name'), 'northd');
    assert.equal(attributes.get('deployment.environment'), 'test');
  });

  it('exports over OTLP/HTTP protobuf when no protocol is set', async () => {
    const before = receiver.requests.length;
    const tracing = startTracing({
      serviceName: 'northd',
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces` },
    });
    trace.getTracer('test').startSpan('ListVpcs').end();
    await tracing.shutdown();
    const request = receiver.requests[before];
    assert.equal(request?.contentType, 'application/x-protobuf');
    assert.ok(request.body.includes('ListVpcs'));
  });

  it('logs a failed export at shutdown instead of throwing', async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = {
      write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
    };
    const tracing = startTracing({
      serviceName: 'northd',
      logger: createLogger({ name: 'northd', destination }),
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: await closedPortUrl(),
        OTEL_EXPORTER_OTLP_TIMEOUT: '200',
      },
    });
    trace.getTracer('test').startSpan('lost').end();
    await tracing.shutdown();
    assert.equal(lines[0]?.msg, 'tracing started');
    assert.ok(lines.some((line) => line.msg === 'tracing shutdown could not export every span'));
  });

  it('propagates W3C trace context and hands spans to extra processors', async () => {
    const memory = new InMemorySpanExporter();
    const tracing = startTracing({
      serviceName: 'southd',
      env: {},
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    const carrier: Record<string, string> = {};
    trace.getTracer('test').startActiveSpan('publish', (span) => {
      propagation.inject(context.active(), carrier);
      span.end();
    });
    // Read before shutdown(): shutting an InMemorySpanExporter down empties it.
    const names = memory.getFinishedSpans().map((span) => span.name);
    await tracing.shutdown();
    assert.match(carrier.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.deepEqual(names, ['publish']);
  });

  it('keeps context propagation but exports nothing when the SDK is disabled', async () => {
    const before = receiver.requests.length;
    const tracing = startTracing({
      serviceName: 'northd',
      env: { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    });
    const carrier: Record<string, string> = {};
    trace.getTracer('test').startActiveSpan('ignored', (span) => {
      propagation.inject(context.active(), carrier);
      span.end();
    });
    await tracing.shutdown();
    assert.ok(carrier.traceparent);
    assert.equal(receiver.requests.length, before);
  });

  it('refuses to start twice in one process until the first is shut down', async () => {
    const first = startTracing({ serviceName: 'northd', env: {} });
    try {
      assert.throws(() => startTracing({ serviceName: 'northd', env: {} }), /already started/);
    } finally {
      await first.shutdown();
    }
    await startTracing({ serviceName: 'northd', env: {} }).shutdown();
  });

  it('throws one EnvError naming every bad variable and registers nothing', () => {
    assert.throws(
      () =>
        startTracing({
          serviceName: 'northd',
          env: { OTEL_TRACES_EXPORTER: 'zipkin', OTEL_TRACES_SAMPLER: 'sometimes' },
        }),
      (error: unknown) =>
        EnvError.is(error) &&
        /OTEL_TRACES_EXPORTER/.test(error.message) &&
        /OTEL_TRACES_SAMPLER/.test(error.message),
    );
    assert.equal(trace.getTracer('test').startSpan('x').isRecording(), false);
  });
});
