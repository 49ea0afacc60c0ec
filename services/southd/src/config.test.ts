import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EnvError } from '@vpcd/observability';
import { loadConfig } from './config.js';

const minimal = {
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
  BUS_HMAC_KEY: 'bus-key-0123456789-0123456789-0123456789',
};

/** The problems an EnvError reports, as `VARIABLE: problem`. */
function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(EnvError.is(err), String(err));
    return err.issues.map((issue) => `${issue.variable}: ${issue.problem}`);
  }
  return [];
}

describe('loadConfig HEALTH_LISTEN', () => {
  it('leaves the plaintext health port off unless HEALTH_LISTEN is set', () => {
    assert.equal(loadConfig(minimal).healthListen, undefined);
    assert.equal(
      loadConfig({ ...minimal, HEALTH_LISTEN: '0.0.0.0:50062' }).healthListen,
      '0.0.0.0:50062',
    );
  });

  it('refuses a bad address, or a port GRPC_LISTEN or METRICS_LISTEN already takes', () => {
    const cases: Array<[NodeJS.ProcessEnv, RegExp | undefined]> = [
      [{ HEALTH_LISTEN: 'nowhere:port' }, /^HEALTH_LISTEN: /],
      [{ HEALTH_LISTEN: '0.0.0.0:50052' }, /^HEALTH_LISTEN: port 50052 is GRPC_LISTEN's/],
      [
        { HEALTH_LISTEN: '127.0.0.1:9200', METRICS_LISTEN: '0.0.0.0:9200' },
        /^HEALTH_LISTEN: port 9200 is METRICS_LISTEN's/,
      ],
      [{ HEALTH_LISTEN: '127.0.0.1:0', GRPC_LISTEN: '127.0.0.1:0' }, undefined],
    ];
    for (const [env, want] of cases) {
      const got = problems({ ...minimal, ...env });
      if (want === undefined) assert.deepEqual(got, [], JSON.stringify(env));
      else
        assert.ok(
          got.length === 1 && want.test(got[0]!),
          `${JSON.stringify(env)}: ${got.join('; ')}`,
        );
    }
  });
});

describe('loadConfig bus', () => {
  it('requires the bus key, so southd never takes or sends unsigned messages', () => {
    const { BUS_HMAC_KEY: _, ...withoutKey } = minimal;
    assert.deepEqual(problems(withoutKey), [
      'BUS_HMAC_KEY: required (or BUS_HMAC_KEY_FILE): the key northd and southd sign bus messages with',
    ]);
    assert.equal(loadConfig(minimal).bus.signingKeys[0]!.toString(), minimal.BUS_HMAC_KEY);
  });

  it('takes the broker CA and a client certificate for an amqps:// URL only', () => {
    const amqps = { ...minimal, AMQP_URL: 'amqps://southd:pw@rabbitmq:5671/vpcd' };
    assert.deepEqual(loadConfig({ ...amqps, TLS_CA: '/tls/ca.crt' }).bus.tls, {
      caFile: '/tls/ca.crt',
    });
    assert.deepEqual(
      loadConfig({
        ...amqps,
        TLS_CA: '/tls/ca.crt',
        AMQP_TLS_CA: '/amqp/ca.crt',
        AMQP_TLS_CERT: '/amqp/tls.crt',
        AMQP_TLS_KEY: '/amqp/tls.key',
      }).bus.tls,
      { caFile: '/amqp/ca.crt', certFile: '/amqp/tls.crt', keyFile: '/amqp/tls.key' },
    );
    assert.equal(loadConfig({ ...minimal, TLS_CA: '/tls/ca.crt' }).bus.tls, undefined);
    assert.deepEqual(problems({ ...amqps, AMQP_TLS_CERT: '/amqp/tls.crt' }), [
      'AMQP_TLS_KEY: AMQP_TLS_CERT and AMQP_TLS_KEY go together',
    ]);
    assert.deepEqual(problems({ ...minimal, AMQP_TLS_CA: '/amqp/ca.crt' }), [
      'AMQP_TLS_CA: needs an amqps:// AMQP_URL',
    ]);
  });
});

describe('loadConfig GRPC_REFLECTION', () => {
  it('leaves reflection off unless GRPC_REFLECTION=true, and names a bad value', () => {
    assert.equal(loadConfig(minimal).reflection, false);
    assert.equal(loadConfig({ ...minimal, GRPC_REFLECTION: 'true' }).reflection, true);
    assert.deepEqual(problems({ ...minimal, GRPC_REFLECTION: 'on' }), [
      'GRPC_REFLECTION: "on" is not one of true, false',
    ]);
  });
});

describe('loadConfig ALLOW_FLEET_IDENTITIES', () => {
  it('refuses fleet certificates unless ALLOW_FLEET_IDENTITIES=true, and names a bad value', () => {
    assert.equal(loadConfig(minimal).allowFleetIdentities, false);
    assert.equal(
      loadConfig({ ...minimal, ALLOW_FLEET_IDENTITIES: 'true' }).allowFleetIdentities,
      true,
    );
    assert.deepEqual(problems({ ...minimal, ALLOW_FLEET_IDENTITIES: 'yes' }), [
      'ALLOW_FLEET_IDENTITIES: "yes" is not one of true, false',
    ]);
  });
});
