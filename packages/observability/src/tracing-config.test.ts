import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EnvError } from './env-error.js';
import { loadTracingConfig } from './tracing-config.js';

describe('loadTracingConfig', () => {
  it('exports nothing and samples parent-based always-on when no OTEL_* variable is set', () => {
    const config = loadTracingConfig('northd', {});
    assert.equal(config.serviceName, 'northd');
    assert.equal(config.exporter, 'none');
    assert.equal(config.otlp.protocol, 'http/protobuf');
    assert.deepEqual(config.sampler, { name: 'parentbased_always_on', ratio: 1 });
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.otlp));
  });

  const endpoints = [
    {
      desc: 'appends /v1/traces to the base endpoint over HTTP',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' },
      url: 'http://collector:4318/v1/traces',
    },
    {
      desc: 'keeps a path prefix of the base endpoint',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example/ingest/' },
      url: 'https://otel.example/ingest/v1/traces',
    },
    {
      desc: 'uses the traces endpoint as it is',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/custom',
      },
      url: 'http://collector:4318/custom',
    },
    {
      desc: 'uses the base endpoint as it is over gRPC',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      },
      url: 'http://collector:4317',
    },
  ];
  for (const { desc, env, url } of endpoints) {
    it(`turns on the OTLP exporter when an endpoint is set and ${desc}`, () => {
      const config = loadTracingConfig('northd', env);
      assert.equal(config.exporter, 'otlp');
      assert.equal(config.otlp.url, url);
    });
  }

  it('lets the traces protocol and timeout override the general ones', () => {
    const config = loadTracingConfig('northd', {
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'HTTP/JSON',
      OTEL_EXPORTER_OTLP_TIMEOUT: '5000',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2000',
    });
    assert.equal(config.otlp.protocol, 'http/json');
    assert.equal(config.otlp.timeoutMillis, 2000);
  });

  it('lets OTEL_SERVICE_NAME win over service.name in the resource attributes and the default', () => {
    const env = { OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs,deployment.environment=prod' };
    assert.equal(loadTracingConfig('northd', env).serviceName, 'from-attrs');
    const config = loadTracingConfig('northd', { ...env, OTEL_SERVICE_NAME: 'northd-eu1' });
    assert.equal(config.serviceName, 'northd-eu1');
    assert.deepEqual(config.resourceAttributes, { 'deployment.environment': 'prod' });
  });

  it('decodes percent-encoded resource attribute values', () => {
    const env = { OTEL_RESOURCE_ATTRIBUTES: 'team=net%20ops, region = eu-1 ,' };
    assert.deepEqual(loadTracingConfig('northd', env).resourceAttributes, {
      team: 'net ops',
      region: 'eu-1',
    });
  });

  it('exports nothing when the SDK is disabled, even with an endpoint', () => {
    const config = loadTracingConfig('northd', {
      OTEL_SDK_DISABLED: 'TRUE',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
    });
    assert.equal(config.sdkDisabled, true);
    assert.equal(config.exporter, 'none');
  });

  it('reads a ratio sampler and its argument', () => {
    const env = {
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    };
    assert.deepEqual(loadTracingConfig('northd', env).sampler, {
      name: 'parentbased_traceidratio',
      ratio: 0.25,
    });
  });

  it('names every bad variable in one error', () => {
    const env = {
      OTEL_SDK_DISABLED: 'yes',
      OTEL_TRACES_EXPORTER: 'console',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      OTEL_EXPORTER_OTLP_TIMEOUT: '10s',
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '2',
      OTEL_RESOURCE_ATTRIBUTES: 'team',
      OTEL_BSP_MAX_QUEUE_SIZE: '0',
      OTEL_LOG_LEVEL: 'loud',
    };
    assert.throws(
      () => loadTracingConfig('northd', env),
      (error: unknown) => {
        assert.ok(EnvError.is(error));
        const bad = Object.keys(env).filter((name) => name !== 'OTEL_TRACES_SAMPLER');
        assert.deepEqual(error.issues.map((issue) => issue.variable).sort(), bad.sort());
        for (const variable of bad) assert.match(error.message, new RegExp(`${variable}:`));
        return true;
      },
    );
  });
});
