import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HvflowdServiceClient, HvflowdServiceService, type ChassisState } from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import {
  createClient,
  createServer,
  invalidArgument,
  RpcError,
  Status,
  type RpcServer,
} from '@vpcd/rpc';
import { refusal } from './refusal.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const registry = () => createRegistry({ service: 't', collectDefault: false });

function state(nameBytes: number): ChassisState {
  return {
    chassisId: 'hv-1',
    epoch: 1,
    generation: 1,
    changes: [],
    vpcs: [],
    ports: [{ interfaceId: 'i', vpcId: 'v', name: 'x'.repeat(nameBytes), ip: '', mac: '' }],
    remotePorts: [],
  };
}

/** What a real grpc-js client sees from a real server, classified as southd does. */
describe('refusal: the answers no retry cures', () => {
  let server: RpcServer;
  let port: number;
  let answer: () => Promise<never>;

  before(async () => {
    server = createServer({ logger, registry: registry(), maxReceiveMessageBytes: 4096 });
    server.add(HvflowdServiceService, {
      applyChassisState: () => answer(),
      getChassisState: () => Promise.reject(new RpcError(Status.UNIMPLEMENTED, 'not here')),
    });
    port = await server.listen('127.0.0.1:0');
  });
  after(() => server?.shutdown());

  const call = async (bytes: number, sendLimit = -1) => {
    const client = createClient(HvflowdServiceClient, {
      address: `127.0.0.1:${port}`,
      logger,
      registry: registry(),
      channelOptions: { 'grpc.max_send_message_length': sendLimit },
    });
    try {
      await client.applyChassisState({ state: state(bytes) });
      return undefined;
    } catch (err) {
      return RpcError.from(err);
    } finally {
      client.close();
    }
  };

  const cases: Array<{
    desc: string;
    bytes: number;
    sendLimit?: number;
    answer?: () => Promise<never>;
    want: 'too_large' | 'invalid' | undefined;
  }> = [
    { desc: "a state over the server's receive limit", bytes: 8192, want: 'too_large' },
    {
      desc: "a state over the client's own send limit",
      bytes: 2048,
      sendLimit: 1024,
      want: 'too_large',
    },
    {
      desc: 'INVALID_ARGUMENT from hvflowd',
      bytes: 10,
      answer: () => Promise.reject(invalidArgument([{ field: 'state', description: 'bad' }])),
      want: 'invalid',
    },
    {
      desc: 'RESOURCE_EXHAUSTED for a full server (retried)',
      bytes: 10,
      answer: () => Promise.reject(new RpcError(Status.RESOURCE_EXHAUSTED, 'apply queue full')),
      want: undefined,
    },
    {
      desc: 'UNAVAILABLE (retried)',
      bytes: 10,
      answer: () => Promise.reject(new RpcError(Status.UNAVAILABLE, 'open vswitch down')),
      want: undefined,
    },
  ];
  for (const c of cases) {
    it(`classifies ${c.desc} as ${c.want ?? 'not refused for good'}`, async () => {
      answer = c.answer ?? (() => Promise.reject(new RpcError(Status.INTERNAL, 'not reached')));
      const err = await call(c.bytes, c.sendLimit);
      assert.ok(err, 'the call succeeded');
      assert.equal(refusal(err)?.reason, c.want, `${Status[err.code]}: ${err.message}`);
    });
  }
});
