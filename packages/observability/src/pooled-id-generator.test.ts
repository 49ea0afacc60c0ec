import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidSpanId, isValidTraceId } from '@opentelemetry/api';
import { PooledIdGenerator } from './pooled-id-generator.js';

describe('PooledIdGenerator', () => {
  it('gives valid, distinct trace and span ids across many pools', () => {
    const ids = new PooledIdGenerator();
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const traceId = ids.generateTraceId();
      const spanId = ids.generateSpanId();
      assert.ok(isValidTraceId(traceId), traceId);
      assert.ok(isValidSpanId(spanId), spanId);
      seen.add(traceId).add(spanId);
    }
    assert.equal(seen.size, 10_000);
  });

  it('draws again rather than give an all-zero id', () => {
    let fills = 0;
    // The first pool is all zeros, the ones after it all 0xab.
    const ids = new PooledIdGenerator((bytes) => void bytes.fill(fills++ === 0 ? 0 : 0xab));
    assert.equal(ids.generateTraceId(), 'ab'.repeat(16));
    assert.equal(ids.generateSpanId(), 'ab'.repeat(8));
    assert.equal(fills, 2);
  });
});
