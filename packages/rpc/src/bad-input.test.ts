import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateVpcRequest, GetVpcRequest } from '@vpcd/api';
import { Status } from './index.js';
import { metricValue } from '@vpcd/observability/testing';
import {
  callLeavingDeadlineToServer,
  eventually,
  rawCall,
  rawClient,
  startServer,
  type TestServer,
} from './test-support.js';

const labels = (method: string, code?: string) => ({
  grpc_type: 'unary',
  grpc_service: method === 'unknown' ? 'unknown' : 'vpc.v1.VpcService',
  grpc_method: method,
  ...(code ? { grpc_code: code } : {}),
});

describe('bad input at the RPC layer', () => {
  let t: TestServer;
  let client: ReturnType<typeof rawClient>;
  before(async () => {
    t = await startServer({
      maxReceiveMessageBytes: 1024,
      impl: {
        // Slow enough for any short deadline: it answers only after 30 s.
        listVpcs: () =>
          new Promise((resolve) =>
            setTimeout(() => resolve({ vpcs: [], nextPageToken: '' }), 30_000).unref(),
          ),
      },
    });
    client = rawClient(t.address);
  });
  after(async () => {
    client.close();
    t.server.forceShutdown();
    await t.server.shutdown();
  });

  const handled = (method: string, code: string) =>
    metricValue(t.registry, 'grpc_server_handled_total', labels(method, code));

  const cases = [
    {
      desc: 'a message over the size limit is RESOURCE_EXHAUSTED',
      path: '/vpc.v1.VpcService/CreateVpc',
      bytes: () =>
        Buffer.from(
          CreateVpcRequest.encode({
            name: 'x'.repeat(2000),
            cidr: '',
            requestId: '',
            projectId: '',
          }).finish(),
        ),
      want: Status.RESOURCE_EXHAUSTED,
      metric: ['CreateVpc', 'ResourceExhausted'],
    },
    {
      desc: 'garbage bytes are INVALID_ARGUMENT',
      path: '/vpc.v1.VpcService/GetVpc',
      bytes: () => Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x0a]),
      want: Status.INVALID_ARGUMENT,
      metric: ['GetVpc', 'InvalidArgument'],
    },
    {
      desc: 'an unknown method is UNIMPLEMENTED',
      path: '/vpc.v1.VpcService/StealEverything',
      bytes: () => Buffer.alloc(0),
      want: Status.UNIMPLEMENTED,
      metric: ['unknown', 'Unimplemented'],
    },
    {
      desc: 'an unknown service is UNIMPLEMENTED',
      path: '/evil.v1.Nope/Nope',
      bytes: () => Buffer.alloc(0),
      want: Status.UNIMPLEMENTED,
      metric: ['unknown', 'Unimplemented'],
    },
  ];

  const countedOnce = async (method: string, code: string, before: number) =>
    assert.equal(
      await eventually(
        () => handled(method, code),
        (v) => v === before + 1,
      ),
      before + 1,
    );

  for (const c of cases) {
    it(`${c.desc}, and is counted`, async () => {
      const [method, code] = c.metric as [string, string];
      const before = (await handled(method, code)) ?? 0;
      const got = await rawCall(client, c.path, c.bytes());
      assert.equal(got.code, c.want, got.details);
      await countedOnce(method, code, before);
    });
  }

  it('an expired deadline is DEADLINE_EXCEEDED, and is counted', async () => {
    const before = (await handled('ListVpcs', 'DeadlineExceeded')) ?? 0;
    const code = await callLeavingDeadlineToServer(t.address, '/vpc.v1.VpcService/ListVpcs', 100);
    assert.equal(code, Status.DEADLINE_EXCEEDED);
    await countedOnce('ListVpcs', 'DeadlineExceeded', before);
  });

  it('a call the client cancels is CANCELLED, and is counted', async () => {
    const before = (await handled('ListVpcs', 'Canceled')) ?? 0;
    const startedBefore =
      (await metricValue(t.registry, 'grpc_server_started_total', labels('ListVpcs'))) ?? 0;
    const call = client.makeUnaryRequest(
      '/vpc.v1.VpcService/ListVpcs',
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.alloc(0),
      () => undefined,
    );
    await eventually(
      () => metricValue(t.registry, 'grpc_server_started_total', labels('ListVpcs')),
      (v) => v === startedBefore + 1,
    );
    call.cancel();
    await countedOnce('ListVpcs', 'Canceled', before);
  });

  it('survives a burst of every kind, leaves no call open and still answers', async () => {
    const calls = [];
    for (let i = 0; i < 100; i++) {
      for (const c of cases) calls.push(rawCall(client, c.path, c.bytes()));
    }
    const results = await Promise.all(calls);
    const refusals = new Set<number>([
      Status.RESOURCE_EXHAUSTED,
      Status.INVALID_ARGUMENT,
      Status.UNIMPLEMENTED,
    ]);
    assert.ok(results.every((r) => refusals.has(r.code)));
    const ok = await rawCall(
      client,
      '/vpc.v1.VpcService/GetVpc',
      Buffer.from(GetVpcRequest.encode({ id: 'vpc-1' }).finish()),
    );
    assert.equal(ok.code, Status.OK);
    // Every started call was also handled: nothing is left in flight.
    const handledSum = async (method: string) => {
      const { values } = await t.registry.getSingleMetric('grpc_server_handled_total')!.get();
      return values
        .filter((v) => v.labels.grpc_method === method)
        .reduce((sum, v) => sum + v.value, 0);
    };
    for (const method of ['CreateVpc', 'GetVpc', 'unknown']) {
      const started = await metricValue(t.registry, 'grpc_server_started_total', labels(method));
      const finished = await eventually(
        () => handledSum(method),
        (v) => v === started,
      );
      assert.equal(finished, started, method);
    }
  });
});
