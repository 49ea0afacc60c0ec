import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';

/** What one side of a connection saw. */
interface Seen {
  readonly socket: Socket;
  data: string;
  ended: boolean;
  closed: boolean;
}

function watch(socket: Socket): Seen {
  const seen: Seen = { socket, data: '', ended: false, closed: false };
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (seen.data += chunk));
  socket.on('end', () => (seen.ended = true));
  socket.on('close', () => (seen.closed = true));
  socket.on('error', () => undefined);
  return seen;
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; !check(); i++) {
    assert.ok(i < 500, `timed out waiting until ${what}`);
    await sleep(10);
  }
}

describe('fault proxy', () => {
  let upstream: Server;
  let upstreamPort: number;
  const accepted: Seen[] = [];
  const clients: Socket[] = [];
  let proxy: FaultProxy;

  before(async () => {
    upstream = createServer({ allowHalfOpen: true }, (socket) => accepted.push(watch(socket)));
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    upstreamPort = (upstream.address() as { port: number }).port;
  });
  after(async () => {
    upstream.close();
    await once(upstream, 'close');
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    for (const s of accepted.splice(0)) s.socket.destroy();
    await proxy?.close();
  });

  const open = async (): Promise<{ client: Seen; server: Seen | undefined }> => {
    const before = accepted.length;
    const socket = connect(proxy.port, proxy.host);
    clients.push(socket);
    const client = watch(socket);
    await once(socket, 'connect');
    return { client, server: accepted[before] };
  };
  const openPassing = async (): Promise<{ client: Seen; server: Seen }> => {
    const before = accepted.length;
    const { client } = await open();
    await until(() => accepted.length > before, 'the upstream accepts');
    return { client, server: accepted[before]! };
  };

  it('passes bytes and closes both ways, and counts connections', async () => {
    proxy = await startFaultProxy({ upstreamHost: '127.0.0.1', upstreamPort });
    const { client, server } = await openPassing();
    client.socket.write('ping');
    await until(() => server.data === 'ping', 'the upstream reads ping');
    server.socket.write('pong');
    await until(() => client.data === 'pong', 'the client reads pong');
    client.socket.end();
    await until(() => server.ended, 'the upstream sees the end');
    server.socket.end();
    await until(() => client.closed, 'the client closes');
    assert.equal(proxy.stats().accepted, 1);
    await until(() => proxy.stats().open === 0, 'no connection is open');
  });

  it('delays each direction by the latency, in order, even when the latency drops', async () => {
    proxy = await startFaultProxy({ upstreamHost: '127.0.0.1', upstreamPort });
    const { client, server } = await openPassing();
    proxy.setLatency(400);
    client.socket.write('a');
    await sleep(100);
    assert.equal(server.data, '', 'nothing arrives before the latency has passed');
    client.socket.write('b');
    proxy.setLatency(0);
    client.socket.write('c');
    await until(() => server.data.length === 3, 'the upstream reads three bytes');
    assert.equal(server.data, 'abc');

    proxy.setLatency(400);
    const lines = Array.from({ length: 50 }, (_, i) => `${i};`);
    for (const line of lines.slice(0, 25)) server.socket.write(line);
    await sleep(100);
    proxy.setLatency(0);
    for (const line of lines.slice(25)) server.socket.write(line);
    await sleep(100);
    assert.equal(client.data, '', 'what came later waits behind what is held');
    await until(() => client.data === lines.join(''), 'the client reads every line in order');
  });

  it('black-holes connections on halfOpen: no bytes, no FIN, no RST in either direction', async () => {
    proxy = await startFaultProxy({ upstreamHost: '127.0.0.1', upstreamPort });
    const { client, server } = await openPassing();
    proxy.halfOpen();
    client.socket.write('lost');
    server.socket.write('lost too');
    server.socket.end();
    await sleep(300);
    assert.deepEqual(
      { data: client.data, ended: client.ended, closed: client.closed },
      { data: '', ended: false, closed: false },
      'the client hears nothing, not even the close',
    );
    assert.equal(server.data, '');
    assert.equal(server.ended, false);

    const late = await open();
    late.client.socket.write('hello?');
    await sleep(300);
    assert.equal(accepted.length, 1, 'a connection made meanwhile never reaches the upstream');
    assert.equal(late.client.closed, false, 'but it is accepted and held open');
    assert.deepEqual(proxy.stats(), { accepted: 2, open: 2, cutOff: 1, cutOffClosedByClient: 0 });

    client.socket.destroy();
    await until(
      () => proxy.stats().cutOffClosedByClient === 1,
      'the proxy sees the client give up',
    );
  });

  it('heals: black-holed connections are closed, new ones pass again', async () => {
    proxy = await startFaultProxy({ upstreamHost: '127.0.0.1', upstreamPort });
    const { client } = await openPassing();
    proxy.setLatency(200);
    proxy.halfOpen();
    const late = await open();
    proxy.heal();
    await until(() => client.closed && late.client.closed, 'the black-holed clients are closed');

    const fresh = await openPassing();
    fresh.client.socket.write('again');
    await until(() => fresh.server.data === 'again', 'a new connection passes bytes');
  });

  for (const direction of ['to-upstream', 'to-client'] as const) {
    it(`drops only the bytes ${direction} in a one-way partition, and the connection on heal`, async () => {
      proxy = await startFaultProxy({ upstreamHost: '127.0.0.1', upstreamPort });
      const { client, server } = await openPassing();
      proxy.partition(direction);
      client.socket.write('request');
      server.socket.write('answer');
      await sleep(300);
      const toUpstream = direction === 'to-upstream';
      assert.equal(server.data, toUpstream ? '' : 'request');
      assert.equal(client.data, toUpstream ? 'answer' : '');
      assert.equal(proxy.stats().cutOff, 1);

      const late = await open();
      await sleep(100);
      assert.equal(accepted.length, 1, 'no new connection reaches the upstream meanwhile');
      proxy.heal();
      await until(() => client.closed && late.client.closed, 'the partitioned clients are closed');
      const fresh = await openPassing();
      fresh.client.socket.write('again');
      await until(() => fresh.server.data === 'again', 'a new connection passes bytes');
    });
  }

  it('holds answers on stall and delivers all of them, in order, on heal', async () => {
    proxy = await startFaultProxy({ upstreamHost: '127.0.0.1', upstreamPort: () => upstreamPort });
    const { client, server } = await openPassing();
    proxy.stall();
    client.socket.write('commit');
    await until(() => server.data === 'commit', 'the upstream still reads what it is sent');
    server.socket.write('ok 1;');
    server.socket.write('ok 2;');
    await sleep(300);
    assert.equal(client.data, '', 'the answers wait');
    proxy.heal();
    await until(() => client.data === 'ok 1;ok 2;', 'the client reads every answer in order');
    assert.equal(client.closed, false, 'a stalled connection stays usable');
  });

  it('resets every connection on resetAll', async () => {
    proxy = await startFaultProxy({ upstreamHost: '127.0.0.1', upstreamPort });
    const { client, server } = await openPassing();
    const errors: string[] = [];
    client.socket.on('error', (err: NodeJS.ErrnoException) => errors.push(err.code ?? ''));
    proxy.resetAll();
    await until(() => client.closed && server.closed, 'both sides are closed');
    assert.deepEqual(errors, ['ECONNRESET']);
  });
});
