import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { compileServerOptions, grpcServerChannelOptions } from './server-options.js';
import { captureLogger } from '@vpcd/observability/testing';

const base = { logger: captureLogger().logger, registry: new Registry() };

describe('server options', () => {
  it('applies keepalive, size and shutdown defaults', () => {
    const o = compileServerOptions(base);
    assert.equal(o.maxReceiveMessageBytes, 4 * 1024 * 1024);
    assert.equal(o.shutdownTimeoutMs, 10_000);
    assert.deepEqual(o.keepalive, {
      timeMs: 30_000,
      timeoutMs: 10_000,
      maxConnectionIdleMs: 900_000,
      maxConnectionAgeMs: 600_000,
      maxConnectionAgeGraceMs: 30_000,
    });
    assert.ok(Object.isFrozen(o));
    const grpc = grpcServerChannelOptions(o);
    assert.equal(grpc['grpc.keepalive_time_ms'], 30_000);
    assert.equal(grpc['grpc.max_connection_age_ms'], 600_000);
    assert.equal(grpc['grpc.max_receive_message_length'], 4 * 1024 * 1024);
  });

  it('keeps a partial keepalive override merged with the defaults', () => {
    const o = compileServerOptions({ ...base, keepalive: { timeMs: 5_000 } });
    assert.equal(o.keepalive.timeMs, 5_000);
    assert.equal(o.keepalive.timeoutMs, 10_000);
  });

  it('names every bad setting in one error', () => {
    assert.throws(
      () =>
        compileServerOptions({
          ...base,
          maxReceiveMessageBytes: -1,
          shutdownTimeoutMs: Number.NaN,
          keepalive: { timeoutMs: -5 },
        }),
      (err: Error) =>
        /maxReceiveMessageBytes/.test(err.message) &&
        /shutdownTimeoutMs/.test(err.message) &&
        /keepalive\.timeoutMs/.test(err.message),
    );
  });
});
