import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { allCodes, codeName } from './codes.js';
import { isRpcError } from './rpc-error.js';
import { Status } from './index.js';
import { metricValue } from '@vpcd/observability/testing';
import { eventually, startServer, vpcClient, type TestServer } from './test-support.js';

const getVpc = { grpc_type: 'unary', grpc_service: 'vpc.v1.VpcService', grpc_method: 'GetVpc' };

describe('RPC metrics', () => {
  let t: TestServer;
  const clientRegistry = new Registry();
  let client: ReturnType<typeof vpcClient>;
  before(async () => {
    t = await startServer();
    client = vpcClient(t.address, { registry: clientRegistry });
  });
  after(async () => {
    client.close();
    await t.server.shutdown();
  });

  it('creates every series of a registered method at zero before the first call', async () => {
    for (const code of allCodes) {
      const labels = { ...getVpc, grpc_method: 'DeleteVpc', grpc_code: codeName(code) };
      assert.equal(await metricValue(t.registry, 'grpc_server_handled_total', labels), 0);
    }
    const deleteVpc = { ...getVpc, grpc_method: 'DeleteVpc' };
    assert.equal(await metricValue(t.registry, 'grpc_server_started_total', deleteVpc), 0);
    assert.equal(await metricValue(t.registry, 'grpc_server_msg_received_total', deleteVpc), 0);
    assert.equal(await metricValue(t.registry, 'grpc_server_msg_sent_total', deleteVpc), 0);
    assert.equal(await metricValue(t.registry, 'grpc_server_handling_seconds_count', deleteVpc), 0);
    assert.equal(
      await metricValue(clientRegistry, 'grpc_client_handled_total', {
        ...deleteVpc,
        grpc_code: 'Unavailable',
      }),
      0,
    );
  });

  it('counts an OK call and a failing call by code on both sides', async () => {
    await client.getVpc({ id: 'vpc-1' });
    await assert.rejects(client.getVpc({ id: 'missing' }), (err) => {
      assert.ok(isRpcError(err));
      assert.equal(err.code, Status.NOT_FOUND);
      return true;
    });
    const handled = (registry: Registry, side: string, code: string) =>
      metricValue(registry, `grpc_${side}_handled_total`, { ...getVpc, grpc_code: code });
    await eventually(
      () => handled(t.registry, 'server', 'NotFound'),
      (v) => v === 1,
    );
    for (const [registry, side] of [
      [t.registry, 'server'],
      [clientRegistry, 'client'],
    ] as const) {
      assert.equal(await handled(registry, side, 'OK'), 1, side);
      assert.equal(await handled(registry, side, 'NotFound'), 1, side);
      assert.equal(await handled(registry, side, 'Internal'), 0, side);
      assert.equal(await metricValue(registry, `grpc_${side}_started_total`, getVpc), 2, side);
      assert.equal(
        await metricValue(registry, `grpc_${side}_msg_received_total`, getVpc),
        side === 'server' ? 2 : 1,
        side,
      );
      assert.equal(
        await metricValue(registry, `grpc_${side}_msg_sent_total`, getVpc),
        side === 'server' ? 1 : 2,
        side,
      );
      assert.equal(
        await metricValue(registry, `grpc_${side}_handling_seconds_count`, getVpc),
        2,
        side,
      );
    }
  });

  it('names codes in CamelCase as go-grpc-prometheus does', () => {
    assert.equal(codeName(Status.OK), 'OK');
    assert.equal(codeName(Status.INVALID_ARGUMENT), 'InvalidArgument');
    assert.equal(codeName(Status.CANCELLED), 'Canceled');
    assert.equal(codeName(Status.UNAUTHENTICATED), 'Unauthenticated');
  });
});
