import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EnvError } from '@vpcd/observability';
import { loadConfig } from './config.js';

const required = { CHASSIS_ID: 'chassis-1', NORTHD_ADDR: '127.0.0.1:50051' };
const interfaces = {
  veth0: [
    {
      address: '10.77.0.1',
      netmask: '255.255.255.0',
      family: 'IPv4' as const,
      mac: '02:00:00:00:00:01',
      internal: false,
      cidr: '10.77.0.1/24',
    },
  ],
};

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({ ...required, DHCP_INTERFACE: 'veth0' }, interfaces);
    assert.equal(config.clientIdentity, 'port');
    assert.deepEqual(config.dhcpListen, { host: '224.0.0.67', port: 67 });
    assert.deepEqual(config.ovsdb, {
      socketPath: '/var/run/openvswitch/db.sock',
      bridge: 'br-int',
    });
    assert.equal(config.metricsListen, '0.0.0.0:9104');
    assert.equal(config.mtuBytes, 1450);
    assert.equal(config.leaseTimeS, 3600);
    assert.equal(config.rateLimitPerS, 5);
    assert.equal(config.maxClients, 10_000);
    assert.equal(config.bindingsRefreshMs, 5000);
    assert.deepEqual(config.dnsServers, []);
  });

  it('requires DHCP_INTERFACE and refuses DHCP_LISTEN with port identity', () => {
    assert.throws(
      () => loadConfig({ ...required, DHCP_LISTEN: '0.0.0.0:67' }, interfaces),
      (err: unknown) =>
        EnvError.is(err) &&
        err.issues.map((i) => i.variable).join() === 'DHCP_LISTEN,DHCP_INTERFACE',
    );
  });

  it('listens where DHCP_LISTEN says with chaddr identity', () => {
    const config = loadConfig({ ...required, DHCP_CLIENT_IDENTITY: 'chaddr' }, interfaces);
    assert.deepEqual(config.dhcpListen, { host: '0.0.0.0', port: 67 });
    assert.equal(config.dhcpInterface, undefined);
  });

  it('resolves DHCP_INTERFACE to its IPv4 address', () => {
    const config = loadConfig({ ...required, DHCP_INTERFACE: 'veth0' }, interfaces);
    assert.deepEqual(config.dhcpInterface, { name: 'veth0', address: '10.77.0.1' });
  });

  it('names every bad variable in one error', () => {
    try {
      loadConfig(
        {
          DHCP_CLIENT_IDENTITY: 'chaddr',
          DHCP_LISTEN: '[::1]:67',
          DHCP_INTERFACE: 'nope0',
          DNS_SERVERS: '10.0.0.2,dns.example',
          MTU: '40',
          RATE_LIMIT_PER_S: '-1',
          MAX_CLIENTS: '0',
          LOG_LEVEL: 'loud',
        },
        interfaces,
      );
      assert.fail('expected an EnvError');
    } catch (err) {
      assert.ok(EnvError.is(err));
      assert.deepEqual(err.issues.map((i) => i.variable).sort(), [
        'CHASSIS_ID',
        'DHCP_INTERFACE',
        'DHCP_LISTEN',
        'DNS_SERVERS',
        'LOG_LEVEL',
        'MAX_CLIENTS',
        'MTU',
        'NORTHD_ADDR',
        'RATE_LIMIT_PER_S',
      ]);
    }
  });
});
