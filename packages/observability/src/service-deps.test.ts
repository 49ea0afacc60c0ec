import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { createServiceDeps } from './service-deps.js';
import { loadTracingConfig } from './tracing-config.js';

describe('createServiceDeps', () => {
  it('starts tracing with the validated configuration, not the environment read again', async () => {
    // process.env holds no OTEL_* variable: read again, it would sample every span.
    assert.equal(process.env.OTEL_TRACES_SAMPLER, undefined);
    const tracing = loadTracingConfig('southd', {
      OTEL_SERVICE_NAME: 'southd-validated',
      OTEL_TRACES_SAMPLER: 'always_off',
    });
    const deps = createServiceDeps('southd', { logLevel: 'silent', tracing });
    try {
      assert.equal(deps.tracing.config, tracing);
      assert.equal(trace.getTracer('test').startSpan('x').isRecording(), false);
    } finally {
      await deps.tracing.shutdown();
    }
  });

  it('logs at the configured level', async () => {
    const deps = createServiceDeps('hvaddr', {
      logLevel: 'warn',
      tracing: loadTracingConfig('hvaddr', {}),
    });
    try {
      assert.equal(deps.logger.level, 'warn');
    } finally {
      await deps.tracing.shutdown();
    }
  });
});
