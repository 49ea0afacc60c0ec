import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { context, createContextKey, trace, type Context } from '@opentelemetry/api';
import { CallContext } from './call-context.js';
import { ensureContextManager } from './context-manager.js';

const a = createContextKey('test.a');
const b = createContextKey('test.b');

describe('CallContext', () => {
  it('reads what was set on it and on its ancestors, and nothing else', () => {
    const one = CallContext.root.setValue(a, 1);
    const two = one.setValue(b, 2);
    assert.equal(CallContext.root.getValue(a), undefined);
    assert.equal(one.getValue(a), 1);
    assert.equal(one.getValue(b), undefined, 'a child never changes its parent');
    assert.equal(two.getValue(a), 1);
    assert.equal(two.getValue(b), 2);
  });

  it('reads the newest value of a key, and a deleted key as unset', () => {
    const first = CallContext.root.setValue(a, 'first');
    const second = first.setValue(a, 'second');
    const deleted = second.deleteValue(a);
    assert.equal(second.getValue(a), 'second');
    assert.equal(deleted.getValue(a), undefined);
    assert.equal(first.getValue(a), 'first');
    assert.equal(deleted.setValue(a, 'again').getValue(a), 'again');
  });

  it('keeps every value when a long chain goes on as a copied context', () => {
    const keys = Array.from({ length: 40 }, (_, i) => createContextKey(`test.k${i}`));
    let ctx: Context = CallContext.root;
    keys.forEach((key, i) => (ctx = ctx.setValue(key, i)));
    ctx = ctx.setValue(keys[3]!, 'overwritten').deleteValue(keys[5]!);
    assert.ok(!(ctx instanceof CallContext), 'past its depth the chain is copied');
    keys.forEach((key, i) => {
      const want = i === 3 ? 'overwritten' : i === 5 ? undefined : i;
      assert.equal(ctx.getValue(key), want, `key ${i}`);
    });
  });

  it('carries a span and is the active context inside context.with', () => {
    ensureContextManager();
    const span = trace.wrapSpanContext({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
    });
    const ctx = trace.setSpan(CallContext.root.setValue(a, 'x'), span);
    const seen = context.with(ctx, () => ({
      span: trace.getSpan(context.active()),
      a: context.active().getValue(a),
    }));
    assert.equal(seen.span, span);
    assert.equal(seen.a, 'x');
  });
});
