import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Client,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  status as Status,
  type ServerInterceptingCall,
  type ServerInterceptingCallInterface,
} from '@grpc/grpc-js';
import { callStream, http2Servers, replaceHandlerMap, sentStatus } from './private-state.js';

const echo = (bytes: Buffer) => bytes;
const method = {
  path: '/test.Echo/Say',
  requestStream: false,
  responseStream: false,
  requestSerialize: echo,
  requestDeserialize: echo,
  responseSerialize: echo,
  responseDeserialize: echo,
} as const;

// Each reader is tried on the pinned grpc-js: a new version that moves a field fails here first.
describe('grpc-js internals on the pinned version', () => {
  let server: Server;
  let client: Client;
  const calls: ServerInterceptingCallInterface[] = [];
  before(async () => {
    server = new Server({
      interceptors: [
        (_method, call) => {
          calls.push(call);
          return call as unknown as ServerInterceptingCall;
        },
      ],
    });
    server.addService(
      { Say: method },
      { Say: (_call: unknown, cb: (e: null, r: Buffer) => void) => cb(null, Buffer.from('hi')) },
    );
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, bound) =>
        err ? reject(err) : resolve(bound),
      );
    });
    client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  });
  after(() => {
    client.close();
    server.forceShutdown();
  });

  it('finds the handler map and the HTTP/2 server of the bound port', () => {
    let seen: Map<string, unknown> | undefined;
    replaceHandlerMap(server, (current) => (seen = current));
    assert.ok(seen?.has(method.path));
    assert.equal(http2Servers(server).length, 1);
  });

  it('finds the HTTP/2 stream of the base call, and the status sent on it', async () => {
    await new Promise<void>((resolve, reject) => {
      client.makeUnaryRequest(method.path, echo, echo, Buffer.from('x'), new Metadata(), (err) =>
        err ? reject(err) : resolve(),
      );
    });
    const stream = callStream(calls[0]!);
    assert.equal(typeof stream.respond, 'function');
    assert.deepEqual(sentStatus(stream), { code: Status.OK, details: 'OK' });
  });
});
