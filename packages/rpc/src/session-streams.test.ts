import assert from 'node:assert/strict';
import { once } from 'node:events';
import {
  connect,
  createServer,
  type ClientHttp2Session,
  type Http2Server,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Server } from '@grpc/grpc-js';
import { http2Servers, sessionStreams, useStreamTable } from './private-state.js';
import { StreamTable } from './stream-table.js';
import { startServer, vpcClient, type TestServer } from './test-support.js';

/** Opens a request the server holds open until the test ends it. */
function request(client: ClientHttp2Session): void {
  const req = client.request({ ':method': 'POST', ':path': '/x' });
  req.on('error', () => undefined); // the session is destroyed under some of them
  req.resume();
}

// Tried on the pinned Node: a new version that moves a session's state fails here first.
describe("Node's HTTP/2 session state on the pinned version", () => {
  let server: Http2Server;
  let client: ClientHttp2Session;
  let tabled: boolean[];
  let streams: ServerHttp2Stream[];
  before(async () => {
    server = createServer();
    server.on('session', (session: ServerHttp2Session) => {
      tabled.push(useStreamTable(session));
    });
    server.on('stream', (stream) => streams.push(stream));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  after(() => {
    client.destroy();
    server.close();
  });

  it('gives a new session a StreamTable that holds its open streams', async () => {
    tabled = [];
    streams = [];
    client = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    request(client);
    const [stream] = (await once(server, 'stream')) as [ServerHttp2Stream];
    assert.deepEqual(tabled, [true]);
    const table = sessionStreams(stream.session!);
    assert.ok(table instanceof StreamTable);
    assert.equal(table.get(stream.id!), stream);
    stream.respond({ ':status': 200 }, { endStream: true });
    await once(stream, 'close');
    assert.equal(table.size, 0);
  });

  it('leaves a session that has streams already alone', async () => {
    request(client);
    const [stream] = (await once(server, 'stream')) as [ServerHttp2Stream];
    const table = sessionStreams(stream.session!);
    assert.equal(useStreamTable(stream.session!), false);
    assert.equal(sessionStreams(stream.session!), table);
  });

  it('closes every open stream when the session is destroyed', async () => {
    request(client);
    await once(server, 'stream');
    const open = streams.filter((s) => !s.closed);
    assert.ok(open.length >= 2);
    const session = open[0]!.session!;
    const closed = open.map((s) => once(s, 'close'));
    session.destroy();
    await Promise.all(closed);
    assert.equal((sessionStreams(session) as StreamTable<unknown>).size, 0);
  });
});

describe('an RpcServer', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(() => ts.server.forceShutdown());

  it("keeps each connection's open streams in a StreamTable", async () => {
    // The grpc-js Server inside, to watch the sessions of its HTTP/2 server.
    const grpc = (ts.server as unknown as { grpc: Server }).grpc;
    const sessions: ServerHttp2Session[] = [];
    for (const http2Server of http2Servers(grpc)) {
      http2Server.on('session', (session: ServerHttp2Session) => sessions.push(session));
    }
    const client = vpcClient(ts.address);
    try {
      await client.getVpc({ id: 'vpc-1' });
    } finally {
      client.close();
    }
    assert.equal(sessions.length, 1);
    assert.ok(sessionStreams(sessions[0]!) instanceof StreamTable);
  });
});
