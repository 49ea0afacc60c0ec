import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Gauge } from 'prom-client';
import { startHttpServer, type HttpServer } from './http-server.js';
import { createLogger } from './logger.js';
import { createRegistry } from './registry.js';
import { createSaturationGauges } from './saturation-gauges.js';

function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  };
  return { logger: createLogger({ name: 'test', destination }), lines };
}

describe('startHttpServer', () => {
  const registry = createRegistry({ service: 'test' });
  const { logger } = captureLogger();
  let server: HttpServer;
  let base: string;
  let readiness = true;

  before(async () => {
    createSaturationGauges(registry, { name: 'test_pool', help: 'Test pool' }).setCapacity(4);
    server = await startHttpServer({
      listen: '127.0.0.1:0',
      registry,
      logger,
      readiness: () => readiness,
    });
    base = `http://127.0.0.1:${server.port}`;
  });
  after(() => server.close());

  it('reports the ephemeral port it bound', () => {
    assert.notEqual(server.port, 0);
    assert.equal(server.address, `127.0.0.1:${server.port}`);
  });

  it('serves default and saturation metrics on /metrics in the Prometheus format', async () => {
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), registry.contentType);
    const text = await res.text();
    assert.match(text, /^nodejs_eventloop_lag_seconds /m);
    assert.match(text, /^nodejs_eventloop_utilization_ratio /m);
    assert.match(text, /^test_pool_capacity 4$/m);
    assert.match(text, /^test_pool_in_flight 0$/m);
  });

  it('answers /healthz with 200 while the process lives', async () => {
    const res = await fetch(`${base}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'ok\n');
  });

  it('answers /readyz with 503 until setReady(true), then follows the readiness check', async () => {
    assert.equal((await fetch(`${base}/readyz`)).status, 503);
    server.setReady(true);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    readiness = false;
    assert.equal((await fetch(`${base}/readyz`)).status, 503);
    readiness = true;
    server.setReady(false);
    assert.equal((await fetch(`${base}/readyz`)).status, 503);
  });

  it('answers 404 for unknown paths and 405 for other methods', async () => {
    assert.equal((await fetch(`${base}/`)).status, 404);
    assert.equal((await fetch(`${base}/metrics/x`)).status, 404);
    const post = await fetch(`${base}/metrics`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  });
});

describe('startHttpServer failures', () => {
  it('answers 500 and logs when collecting metrics fails', async () => {
    const registry = createRegistry({ service: 'test', collectDefault: false });
    new Gauge({
      name: 'test_broken',
      help: 'fails to collect',
      registers: [registry],
      collect() {
        throw new Error('collector broke');
      },
    });
    const { logger, lines } = captureLogger();
    const server = await startHttpServer({ listen: 0, registry, logger });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      assert.equal(res.status, 500);
      const logged = lines.find((line) => line.msg === 'ops request failed');
      assert.match(JSON.stringify(logged?.err), /collector broke/);
    } finally {
      await server.close();
    }
  });

  it('answers /healthz with 503 when the liveness check fails', async () => {
    const registry = createRegistry({ service: 'test', collectDefault: false });
    const server = await startHttpServer({
      listen: '127.0.0.1:0',
      registry,
      logger: captureLogger().logger,
      liveness: () => Promise.reject(new Error('stuck')),
    });
    try {
      assert.equal((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status, 503);
    } finally {
      await server.close();
    }
  });

  it('rejects when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      await assert.rejects(
        startHttpServer({
          listen: `127.0.0.1:${port}`,
          registry: createRegistry({ service: 'test', collectDefault: false }),
          logger: captureLogger().logger,
        }),
        { code: 'EADDRINUSE' },
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('closes promptly, once, while a keep-alive connection is open', async () => {
    const registry = createRegistry({ service: 'test', collectDefault: false });
    const server = await startHttpServer({ listen: 0, registry, logger: captureLogger().logger });
    await (await fetch(`http://127.0.0.1:${server.port}/healthz`)).text();
    const started = Date.now();
    await Promise.all([server.close(), server.close()]);
    assert.ok(Date.now() - started < 1000);
  });
});
