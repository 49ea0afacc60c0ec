import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRegistry } from '@vpcd/observability';
import { metricValue } from '@vpcd/observability/testing';
import { EwmaLimiter } from './ewma-limiter.js';
import { registerLimiterCollector } from './limiter-collector.js';

describe('EwmaLimiter', () => {
  it('admits a burst of about rate x window, then refuses', () => {
    const limiter = new EwmaLimiter({ ratePerS: 5, windowMs: 1000, maxClients: 10 });
    const admitted = Array.from({ length: 10 }, () => limiter.admit('a', 0)).filter(Boolean);
    assert.equal(admitted.length, 5);
  });

  it('admits a client again once its rate has decayed', () => {
    const limiter = new EwmaLimiter({ ratePerS: 5, windowMs: 1000, maxClients: 10 });
    for (let i = 0; i < 10; i++) limiter.admit('a', 0);
    assert.equal(limiter.admit('a', 100), false);
    assert.equal(limiter.admit('a', 3000), true);
  });

  it('admits a client that stays under the rate indefinitely', () => {
    const limiter = new EwmaLimiter({ ratePerS: 5, windowMs: 1000, maxClients: 10 });
    for (let t = 0; t < 60_000; t += 250) assert.equal(limiter.admit('a', t), true, `at ${t} ms`);
    assert.ok(Math.abs(limiter.rateOf('a', 60_000) - 4) < 0.5);
  });

  it('keeps refusing a client that keeps flooding', () => {
    const limiter = new EwmaLimiter({ ratePerS: 5, windowMs: 1000, maxClients: 10 });
    let admitted = 0;
    for (let t = 0; t < 10_000; t += 20) if (limiter.admit('a', t)) admitted += 1;
    assert.ok(admitted <= 6, `${admitted} admitted`);
  });

  it('limits each client on its own', () => {
    const limiter = new EwmaLimiter({ ratePerS: 5, windowMs: 1000, maxClients: 10 });
    for (let i = 0; i < 20; i++) limiter.admit('flooder', 0);
    assert.equal(limiter.admit('quiet', 0), true);
  });

  it('never tracks more than maxClients, evicting the least recently seen', () => {
    const limiter = new EwmaLimiter({ ratePerS: 5, windowMs: 1000, maxClients: 100 });
    for (let i = 0; i < 20; i++) limiter.admit('hot', 0);
    for (let i = 0; i < 10_000; i++) {
      limiter.admit(`client-${i}`, 0);
      if (i % 50 === 0) limiter.admit('hot', 0);
    }
    assert.equal(limiter.size, 100);
    assert.equal(limiter.evicted, 10_000 + 1 - 100);
    assert.ok(limiter.rateOf('hot', 0) > 5, 'a client seen recently keeps its state');
    assert.equal(limiter.rateOf('client-0', 0), 0);
  });

  it('sweeps clients whose rate has decayed away', () => {
    const limiter = new EwmaLimiter({ ratePerS: 5, windowMs: 1000, maxClients: 100 });
    limiter.admit('old', 0);
    limiter.admit('new', 20_000);
    assert.equal(limiter.sweep(20_000, 0.05), 1);
    assert.equal(limiter.size, 1);
  });
});

describe('registerLimiterCollector', () => {
  it('exports the current rates of tracked clients as a histogram at scrape time', async () => {
    const registry = createRegistry({ service: 't', collectDefault: false });
    const limiter = new EwmaLimiter({ ratePerS: 5, windowMs: 1000, maxClients: 3 });
    registerLimiterCollector(registry, limiter, () => 0);
    for (let i = 0; i < 30; i++) limiter.admit('hot', 0);
    limiter.admit('calm', 0);
    assert.equal(await metricValue(registry, 'hvaddr_client_request_rate_count'), 2);
    assert.equal(
      await metricValue(registry, 'hvaddr_client_request_rate_bucket', { le: '0.5' }),
      0,
    );
    assert.equal(await metricValue(registry, 'hvaddr_client_request_rate_bucket', { le: '1' }), 1);
    assert.equal(await metricValue(registry, 'hvaddr_client_request_rate_bucket', { le: '50' }), 2);
    limiter.admit('c', 0);
    limiter.admit('d', 0);
    assert.equal(await metricValue(registry, 'hvaddr_client_request_rate_count'), 3);
    assert.equal(await metricValue(registry, 'hvaddr_client_evictions_total'), 1);
    assert.equal(await metricValue(registry, 'hvaddr_clients_tracked'), 3);
    assert.equal(await metricValue(registry, 'hvaddr_clients_capacity'), 3);
  });
});
