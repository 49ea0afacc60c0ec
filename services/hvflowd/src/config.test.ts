import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { EnvError } from '@vpcd/observability';
import { fleetChassisId, fleetUnderlayIp, loadConfig } from './config.js';
import { advertisedAddress } from './server.js';

const minimal = {
  NORTHD_ADDR: 'northd:50051',
  VPCD_TOKEN: 'token-0123456789abcdef',
  CHASSIS_ID: 'hv-1',
  UNDERLAY_IP: '192.168.50.1',
  HVFLOWD_INSECURE_DEV: 'true',
};

const fleetDev = { NORTHD_ADDR: 'n:1', VPCD_TOKEN: 't', HVFLOWD_INSECURE_DEV: 'true' };

/** The variables an EnvError names, sorted. */
function badVariables(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(EnvError.is(err), String(err));
    return err.issues.map((issue) => issue.variable).sort();
  }
  return [];
}

describe('loadConfig', () => {
  it('fills the documented defaults for one chassis on Open vSwitch', () => {
    const config = loadConfig({ ...minimal, PATH: '/usr/bin' });
    assert.equal(config.grpcListen, '192.168.50.1:50053', 'the underlay address, not 0.0.0.0');
    assert.equal(config.metricsListen, '0.0.0.0:9103');
    assert.deepEqual(config.chassis, {
      kind: 'single',
      chassisId: 'hv-1',
      underlayIp: '192.168.50.1',
    });
    assert.equal(config.datapath, 'ovs');
    assert.deepEqual(config.ovs, {
      bridge: 'br-int',
      datapathType: undefined,
      dhcpPort: 'vpcd-dhcp',
      env: { PATH: '/usr/bin' },
    });
    assert.equal(config.heartbeatIntervalMs, 5_000);
    assert.equal(config.hvflowdAddr, undefined);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.tls, undefined);
    assert.ok(Object.isFrozen(config));
  });

  it('passes PATH and every OVS_* variable, and nothing else, to the ovs-* commands', () => {
    const config = loadConfig({
      ...minimal,
      PATH: '/bin',
      OVS_RUNDIR: '/run/ovs-test',
      OVS_DBDIR: '/db',
      OVS_DATAPATH_TYPE: 'netdev',
      HOME: '/root',
    });
    assert.deepEqual(config.ovs.env, {
      PATH: '/bin',
      OVS_RUNDIR: '/run/ovs-test',
      OVS_DBDIR: '/db',
      OVS_DATAPATH_TYPE: 'netdev',
    });
    assert.equal(config.ovs.datapathType, 'netdev');
  });

  it('simulates a fleet on the memory driver without a chassis id or underlay', () => {
    const config = loadConfig({
      NORTHD_ADDR: 'northd:50051',
      VPCD_TOKEN: 't',
      SIMULATE_CHASSIS: '300',
      FLEET_PREFIX: 'lab',
      HVFLOWD_INSECURE_DEV: 'true',
    });
    assert.deepEqual(config.chassis, { kind: 'fleet', size: 300, prefix: 'lab' });
    assert.equal(config.datapath, 'memory');
    assert.equal(config.grpcListen, '127.0.0.1:50053', 'a fleet has no underlay: loopback');
  });

  it('takes a TLS client certificate instead of a token', () => {
    const config = loadConfig({
      ...minimal,
      VPCD_TOKEN: '',
      TLS_CERT: '/tls/cert.pem',
      TLS_KEY: '/tls/key.pem',
      TLS_CA: '/tls/ca.pem',
      HVFLOWD_INSECURE_DEV: undefined,
    });
    assert.equal(config.token, undefined);
    assert.equal(config.insecureDev, false);
    assert.deepEqual(config.tls, {
      certFile: '/tls/cert.pem',
      keyFile: '/tls/key.pem',
      caFile: '/tls/ca.pem',
    });
  });

  const cases: Array<[string, NodeJS.ProcessEnv, string[]]> = [
    ['a missing northd address', { ...minimal, NORTHD_ADDR: '' }, ['NORTHD_ADDR']],
    ['a northd address without a port', { ...minimal, NORTHD_ADDR: 'northd' }, ['NORTHD_ADDR']],
    ['no token and no client certificate', { ...minimal, VPCD_TOKEN: undefined }, ['VPCD_TOKEN']],
    ['a missing chassis id', { ...minimal, CHASSIS_ID: undefined }, ['CHASSIS_ID']],
    ['a chassis id that is not a DNS label', { ...minimal, CHASSIS_ID: 'HV_1' }, ['CHASSIS_ID']],
    ['a missing underlay address', { ...minimal, UNDERLAY_IP: undefined }, ['UNDERLAY_IP']],
    [
      'an underlay address that is not IPv4',
      { ...minimal, UNDERLAY_IP: '10.0.0.256' },
      ['UNDERLAY_IP'],
    ],
    ['an unknown datapath', { ...minimal, DATAPATH: 'dpdk' }, ['DATAPATH']],
    ['a bad listen address', { ...minimal, GRPC_LISTEN: 'host:port' }, ['GRPC_LISTEN']],
    ['a bad metrics address', { ...minimal, METRICS_LISTEN: '1:2:3' }, ['METRICS_LISTEN']],
    [
      'an advertised address with a scheme',
      { ...minimal, HVFLOWD_ADDR: 'http://x:1' },
      ['HVFLOWD_ADDR'],
    ],
    [
      'a bridge name too long for a device',
      { ...minimal, OVS_BRIDGE: 'bridge-name-too-long' },
      ['OVS_BRIDGE'],
    ],
    ['a DHCP port name no device can have', { ...minimal, DHCP_PORT: 'dhcp port' }, ['DHCP_PORT']],
    ['an unknown datapath type', { ...minimal, OVS_DATAPATH_TYPE: 'dummy' }, ['OVS_DATAPATH_TYPE']],
    [
      'a heartbeat interval that is not a number',
      { ...minimal, HEARTBEAT_INTERVAL_MS: '5s' },
      ['HEARTBEAT_INTERVAL_MS'],
    ],
    ['an unknown log level', { ...minimal, LOG_LEVEL: 'loud' }, ['LOG_LEVEL']],
    ['a certificate without its key', { ...minimal, TLS_CERT: '/c.pem' }, ['TLS_KEY']],
    ['a negative fleet size', { ...minimal, SIMULATE_CHASSIS: '-1' }, ['SIMULATE_CHASSIS']],
    [
      'a fleet larger than its underlay range',
      { ...fleetDev, SIMULATE_CHASSIS: '70000' },
      ['SIMULATE_CHASSIS'],
    ],
    [
      'a fleet with a chassis id and underlay',
      { ...minimal, SIMULATE_CHASSIS: '2' },
      ['CHASSIS_ID', 'UNDERLAY_IP'],
    ],
    [
      'a fleet on Open vSwitch',
      { ...fleetDev, SIMULATE_CHASSIS: '2', DATAPATH: 'ovs' },
      ['DATAPATH'],
    ],
    [
      'a fleet prefix that makes bad chassis ids',
      { ...fleetDev, SIMULATE_CHASSIS: '2', FLEET_PREFIX: 'Sim' },
      ['FLEET_PREFIX'],
    ],
    [
      'a bad tracing setting',
      { ...minimal, OTEL_TRACES_SAMPLER: 'sometimes' },
      ['OTEL_TRACES_SAMPLER'],
    ],
  ];
  for (const [what, env, variables] of cases) {
    it(`refuses ${what}`, () => assert.deepEqual(badVariables(env), variables));
  }

  it('names every bad variable in one error', () => {
    assert.deepEqual(
      badVariables({
        NORTHD_ADDR: 'northd',
        CHASSIS_ID: 'Bad_Id',
        UNDERLAY_IP: 'here',
        DATAPATH: 'dpdk',
        HEARTBEAT_INTERVAL_MS: 'often',
        OVS_BRIDGE: 'no spaces allowed',
      }),
      [
        'CHASSIS_ID',
        'DATAPATH',
        'HEARTBEAT_INTERVAL_MS',
        'NORTHD_ADDR',
        'OVS_BRIDGE',
        'TLS_CA',
        'TLS_CERT',
        'TLS_KEY',
        'UNDERLAY_IP',
        'VPCD_TOKEN',
      ],
    );
  });
});

describe('names and addresses', () => {
  it('names simulated chassis with four digits, more when the fleet needs them', () => {
    assert.deepEqual(
      [
        fleetChassisId('sim', 0, 200),
        fleetChassisId('sim', 199, 200),
        fleetChassisId('sim', 12_345, 20_000),
      ],
      ['sim-0000', 'sim-0199', 'sim-12345'],
    );
  });

  it('gives simulated chassis underlay addresses from 100.64.0.1 on', () => {
    assert.deepEqual(
      [fleetUnderlayIp(0), fleetUnderlayIp(254), fleetUnderlayIp(65_533)],
      ['100.64.0.1', '100.64.0.255', '100.64.255.254'],
    );
  });

  it('advertises the listen host, or the host name when listening everywhere', () => {
    assert.equal(advertisedAddress('127.0.0.1:0', 41_000, 'box'), '127.0.0.1:41000');
    assert.equal(advertisedAddress('0.0.0.0:50053', 50_053, hostname()), `${hostname()}:50053`);
    assert.equal(advertisedAddress(':50053', 50_053, 'box'), 'box:50053');
  });
});

describe('HEALTH_LISTEN', () => {
  it('leaves the plaintext health port off unless set, and checks it with the others', () => {
    assert.equal(loadConfig(minimal).healthListen, undefined);
    assert.equal(
      loadConfig({ ...minimal, HEALTH_LISTEN: '0.0.0.0:50063' }).healthListen,
      '0.0.0.0:50063',
    );
    assert.deepEqual(badVariables({ ...minimal, HEALTH_LISTEN: 'nowhere:port' }), [
      'HEALTH_LISTEN',
    ]);
    assert.deepEqual(badVariables({ ...minimal, HEALTH_LISTEN: ':50053' }), ['HEALTH_LISTEN']);
    assert.deepEqual(badVariables({ ...minimal, HEALTH_LISTEN: ':9103', UNDERLAY_IP: 'x' }), [
      'HEALTH_LISTEN',
      'UNDERLAY_IP',
    ]);
  });
});

describe('loadConfig GRPC_REFLECTION', () => {
  it('leaves reflection off unless GRPC_REFLECTION=true, and names a bad value', () => {
    assert.equal(loadConfig(minimal).reflection, false);
    assert.equal(loadConfig({ ...minimal, GRPC_REFLECTION: 'true' }).reflection, true);
    assert.deepEqual(badVariables({ ...minimal, GRPC_REFLECTION: '1' }), ['GRPC_REFLECTION']);
  });
});
