import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { Database } from './database.js';
import { testContext, type TestContext } from './test-support.js';

describe('database tracing', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager();
  let t: TestContext;
  let db: Database;
  before(async () => {
    context.setGlobalContextManager(contextManager.enable());
    t = await testContext();
    db = t.open({ tracerProvider: provider }).db;
    await db.execute(
      'CREATE TABLE tokens (id INT PRIMARY KEY, secret VARCHAR(64) UNIQUE) ENGINE=InnoDB',
    );
  });
  after(async () => {
    await t.cleanup();
    context.disable();
    await provider.shutdown();
  });

  it('makes a statement a CLIENT child span of the active span, without parameter values', async () => {
    exporter.reset();
    const tracer = provider.getTracer('test');
    const parentId = await tracer.startActiveSpan('parent', async (span) => {
      await db.query('SELECT id FROM tokens WHERE secret = ?', ['hunter2']);
      span.end();
      return span.spanContext();
    });
    const spans = exporter.getFinishedSpans();
    const child = spans.find((s) => s.name === 'SELECT tokens');
    assert.ok(child, `spans: ${spans.map((s) => s.name).join(', ')}`);
    assert.equal(child.kind, SpanKind.CLIENT);
    assert.equal(child.parentSpanContext?.spanId, parentId.spanId);
    assert.equal(child.spanContext().traceId, parentId.traceId);
    assert.equal(child.attributes['db.system'], 'mysql');
    assert.equal(child.attributes['db.name'], t.testDb.database);
    assert.equal(child.attributes['db.statement'], 'SELECT id FROM tokens WHERE secret = ?');
    assert.doesNotMatch(JSON.stringify(child.attributes), /hunter2/);
  });

  it('sets an error status on a failed statement and keeps values out of it', async () => {
    exporter.reset();
    await db.execute('INSERT INTO tokens (id, secret) VALUES (?, ?)', [1, 'hunter3']);
    await db
      .execute('INSERT INTO tokens (id, secret) VALUES (?, ?)', [2, 'hunter3'])
      .catch(() => 0);
    const failed = exporter
      .getFinishedSpans()
      .filter((s) => s.status.code === SpanStatusCode.ERROR);
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.name, 'INSERT tokens');
    assert.equal(failed[0]?.attributes['db.error.kind'], 'duplicate');
    assert.doesNotMatch(
      JSON.stringify([failed[0]?.attributes, failed[0]?.events, failed[0]?.status]),
      /hunter3/,
    );
  });

  it('traces the statements of a transaction, with BEGIN and COMMIT', async () => {
    exporter.reset();
    await db.transaction(async (tx) => {
      await tx.query('SELECT id FROM tokens');
    });
    assert.deepEqual(
      exporter.getFinishedSpans().map((s) => s.name),
      ['BEGIN', 'SELECT tokens', 'COMMIT'],
    );
  });
});
