import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxChassisStatePorts } from '@vpcd/api';
import { EnvError } from '@vpcd/observability';
import { loadConfig } from './config.js';

const minimal = {
  MYSQL_URL: 'mysql://root@127.0.0.1:3306/vpcd',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
  VPCD_ADMIN_TOKEN: 'admin-token-0123456789',
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
      loadConfig({ ...minimal, HEALTH_LISTEN: '0.0.0.0:50061' }).healthListen,
      '0.0.0.0:50061',
    );
  });

  it('refuses a bad address, or a port GRPC_LISTEN or METRICS_LISTEN already takes', () => {
    const cases: Array<[NodeJS.ProcessEnv, RegExp | undefined]> = [
      [{ HEALTH_LISTEN: 'nowhere:port' }, /^HEALTH_LISTEN: /],
      [{ HEALTH_LISTEN: '0.0.0.0:50051' }, /^HEALTH_LISTEN: port 50051 is GRPC_LISTEN's/],
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

describe('loadConfig CONVERGE_BATCH_WINDOW_MS and CONVERGE_AUDIT_INTERVAL_MS', () => {
  it('defaults to 5 ms and 10 min, takes values in range, and names a bad value', () => {
    const defaults = loadConfig(minimal);
    assert.deepEqual(
      [defaults.convergeBatchWindowMs, defaults.convergeAuditIntervalMs],
      [5, 600_000],
    );
    const set = loadConfig({
      ...minimal,
      CONVERGE_BATCH_WINDOW_MS: '0',
      CONVERGE_AUDIT_INTERVAL_MS: '0',
    });
    assert.deepEqual([set.convergeBatchWindowMs, set.convergeAuditIntervalMs], [0, 0]);
    assert.deepEqual(problems({ ...minimal, CONVERGE_BATCH_WINDOW_MS: '-5' }), [
      'CONVERGE_BATCH_WINDOW_MS: "-5" is not a whole number >= 0',
    ]);
    assert.deepEqual(problems({ ...minimal, CONVERGE_BATCH_WINDOW_MS: '5000' }), [
      'CONVERGE_BATCH_WINDOW_MS: at most 1000',
    ]);
    assert.deepEqual(problems({ ...minimal, CONVERGE_AUDIT_INTERVAL_MS: '10' }), [
      'CONVERGE_AUDIT_INTERVAL_MS: 0 (off) or at least 1000',
    ]);
  });

  it('holds a chassis in a burst 200 ms by default, 0 to 1000 ms when set', () => {
    assert.equal(loadConfig(minimal).convergeBurstIntervalMs, 200);
    const off = loadConfig({ ...minimal, CONVERGE_BURST_INTERVAL_MS: '0' });
    assert.equal(off.convergeBurstIntervalMs, 0);
    assert.deepEqual(problems({ ...minimal, CONVERGE_BURST_INTERVAL_MS: '1001' }), [
      'CONVERGE_BURST_INTERVAL_MS: at most 1000',
    ]);
  });
});

describe('loadConfig quotas and the per-chassis limit', () => {
  it('defaults the quotas and the limit, and takes values within range', () => {
    const defaults = loadConfig(minimal);
    assert.deepEqual(defaults.quotaDefaults, {
      maxVpcs: 100,
      maxInterfacesPerVpc: 2000,
      maxInterfaces: 10_000,
    });
    assert.equal(defaults.chassisMaxStatePorts, maxChassisStatePorts);
    const set = loadConfig({
      ...minimal,
      QUOTA_DEFAULT_VPCS: '0',
      QUOTA_DEFAULT_INTERFACES_PER_VPC: '5',
      QUOTA_DEFAULT_INTERFACES: '7',
      CHASSIS_MAX_STATE_PORTS: '1000',
    });
    assert.deepEqual([set.quotaDefaults.maxVpcs, set.quotaDefaults.maxInterfacesPerVpc], [0, 5]);
    assert.deepEqual([set.quotaDefaults.maxInterfaces, set.chassisMaxStatePorts], [7, 1000]);
  });

  it('names every bad value in one error; the limit cannot pass what the transport carries', () => {
    assert.deepEqual(
      problems({
        ...minimal,
        QUOTA_DEFAULT_VPCS: 'many',
        QUOTA_DEFAULT_INTERFACES: '4294967296',
        CHASSIS_MAX_STATE_PORTS: String(maxChassisStatePorts + 1),
      }),
      [
        'QUOTA_DEFAULT_VPCS: "many" is not a whole number >= 0',
        'QUOTA_DEFAULT_INTERFACES: at most 4294967295',
        `CHASSIS_MAX_STATE_PORTS: at most ${maxChassisStatePorts}`,
      ],
    );
    assert.deepEqual(problems({ ...minimal, CHASSIS_MAX_STATE_PORTS: '0' }), [
      'CHASSIS_MAX_STATE_PORTS: "0" is not a whole number >= 1',
    ]);
  });
});

describe('loadConfig GRPC_REFLECTION', () => {
  it('leaves reflection off unless GRPC_REFLECTION=true, and names a bad value', () => {
    assert.equal(loadConfig(minimal).reflection, false);
    assert.equal(loadConfig({ ...minimal, GRPC_REFLECTION: 'true' }).reflection, true);
    assert.deepEqual(problems({ ...minimal, GRPC_REFLECTION: 'yes' }), [
      'GRPC_REFLECTION: "yes" is not one of true, false',
    ]);
  });
});

describe('loadConfig ALLOW_FLEET_IDENTITIES', () => {
  it('refuses fleet identities unless ALLOW_FLEET_IDENTITIES=true, and names a bad value', () => {
    assert.equal(loadConfig(minimal).auth.allowFleetIdentities, false);
    assert.equal(
      loadConfig({ ...minimal, ALLOW_FLEET_IDENTITIES: 'true' }).auth.allowFleetIdentities,
      true,
    );
    assert.deepEqual(problems({ ...minimal, ALLOW_FLEET_IDENTITIES: '1' }), [
      'ALLOW_FLEET_IDENTITIES: "1" is not one of true, false',
    ]);
  });
});
