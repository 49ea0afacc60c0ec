import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChassisServiceClient } from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient, Status } from '@vpcd/rpc';
import { metricValue } from '@vpcd/observability/testing';
import { chassisState, startChassisStub, type ChassisStub } from '../testing/chassis-stub.js';
import { eventually } from '../testing/eventually.js';
import { BindingTable } from './binding-table.js';
import { BindingsRefresher } from './refresher.js';

describe('BindingsRefresher', () => {
  let stub: ChassisStub;
  before(async () => {
    stub = await startChassisStub(
      chassisState('chassis-1', [{ mac: '02:00:00:00:00:01', ip: '10.0.0.10' }]),
    );
  });
  after(() => stub.stop());

  it('keeps the bindings current, and serves the last good ones while northd fails or throttles', async () => {
    const logger = createLogger({ name: 't', level: 'silent' });
    const registry = createRegistry({ service: 't', collectDefault: false });
    const client = createClient(ChassisServiceClient, {
      address: stub.address,
      logger,
      registry,
      bearerToken: 'secret-token',
    });
    const table = new BindingTable(registry);
    const refresher = new BindingsRefresher({
      client,
      chassisId: 'chassis-1',
      table,
      refreshMs: 100,
      retryInitialMs: 10,
      logger,
      registry,
    });
    try {
      await refresher.start();
      assert.equal(table.loaded, true);
      assert.equal(table.get('02:00:00:00:00:01')?.ip, '10.0.0.10');
      assert.equal(stub.lastAuthorization, 'Bearer secret-token');
      assert.equal(await metricValue(registry, 'hvaddr_bindings'), 1);

      stub.setState(
        chassisState('chassis-1', [
          { mac: '02:00:00:00:00:01', ip: '10.0.0.10' },
          { mac: '02:00:00:00:00:02', ip: '10.0.0.11' },
        ]),
      );
      await eventually(
        () => table.size,
        (n) => n === 2,
        5000,
        'the new binding',
      );

      stub.failWith(Status.UNAVAILABLE);
      await eventually(
        () => metricValue(registry, 'hvaddr_bindings_refreshes_total', { result: 'error' }),
        (n) => (n ?? 0) >= 3,
        5000,
        'failed refreshes',
      );
      assert.equal(table.size, 2, 'the last good bindings are still served');

      stub.failWith(undefined);
      stub.throttleWith(0);
      await eventually(
        () => metricValue(registry, 'hvaddr_bindings_refreshes_total', { result: 'throttled' }),
        (n) => (n ?? 0) >= 2,
        5000,
        'throttled refreshes',
      );
      assert.equal(table.size, 2, 'the last good bindings are still served');

      stub.throttleWith(undefined);
      stub.setState(chassisState('chassis-1', []));
      await eventually(
        () => table.size,
        (n) => n === 0,
        5000,
        'recovery',
      );
    } finally {
      await refresher.stop();
      client.close();
    }
  });
});
