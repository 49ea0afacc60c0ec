import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { MessageType, messageTypeOf, parseDhcp, serializeDhcp } from '@vpcd/dhcp';
import { runHammer } from '../run/run-hammer.js';
import { createDhcpTarget } from './dhcp-target.js';

/**
 * What the scripted server does for client i (the last byte of its MAC), as [answer to the
 * DISCOVER, answer to the REQUEST]: undefined is silence.
 */
const script: Array<[number | undefined, number | undefined]> = [
  [MessageType.OFFER, MessageType.ACK],
  [MessageType.OFFER, MessageType.NAK],
  [MessageType.OFFER, undefined],
  [MessageType.ACK, undefined],
];

/** A DHCP server that answers as `script` says, to the relay agent in giaddr. */
async function startScriptedServer(): Promise<{ socket: Socket; port: number }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  socket.on('message', (datagram) => {
    const request = parseDhcp(datagram);
    const [toDiscover, toRequest] = script[request.chaddr[5]!]!;
    const answer = messageTypeOf(request) === MessageType.DISCOVER ? toDiscover : toRequest;
    if (answer === undefined) return;
    const reply = serializeDhcp({
      op: 2,
      xid: request.xid,
      yiaddr: '10.0.0.10',
      giaddr: request.giaddr,
      chaddr: request.chaddr.subarray(0, 6),
      options: [
        [53, Uint8Array.of(answer)],
        [54, Uint8Array.of(10, 0, 0, 1)],
      ],
    });
    socket.send(reply, port, request.giaddr);
  });
  return { socket, port };
}

describe('DHCP target', () => {
  let server: { socket: Socket; port: number };
  before(async () => {
    server = await startScriptedServer();
  });
  after(() => new Promise<void>((resolve) => server.socket.close(() => resolve())));

  it('counts a NAK as Nak, an unanswered REQUEST as Timeout and a wrong reply as BadReply', async () => {
    const report = await runHammer({
      target: createDhcpTarget({
        server: `127.0.0.1:${server.port}`,
        clients: script.length,
        macPrefix: '02:68:bb',
        relayAddress: '127.0.0.3',
        callTimeoutMs: 100,
      }),
      mix: { transaction: 1 },
      concurrency: 1,
      durationMs: 1000,
    });
    const { ok, errors, count } = report.totals;
    assert.deepEqual(Object.keys(errors).sort(), ['BadReply', 'Nak', 'Timeout']);
    // One caller uses the clients in turn: each outcome comes once a round.
    for (const n of [ok, ...Object.values(errors)]) assert.ok(Math.abs(n - count / 4) <= 1, `${n}`);
  });
});

describe('DHCP target flood', () => {
  it('sends each DISCOVER as the client itself and counts it once sent, awaiting no answer', async () => {
    const server = createSocket('udp4');
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    const received: Array<{ giaddr: string; type: number | undefined; mac: string }> = [];
    server.on('message', (datagram) => {
      const request = parseDhcp(datagram);
      received.push({
        giaddr: request.giaddr,
        type: messageTypeOf(request),
        mac: request.chaddr.subarray(0, 6).toString('hex'),
      });
    });
    try {
      const report = await runHammer({
        target: createDhcpTarget({
          server: `127.0.0.1:${server.address().port}`,
          clients: 5,
          macPrefix: '02:68:cc',
          relayAddress: '127.0.0.4',
        }),
        mix: { flood: 1 },
        ratePerSecond: 100,
        durationMs: 300,
      });
      const { count, ok, errorCount } = report.totals;
      assert.ok(count >= 20 && ok === count && errorCount === 0, JSON.stringify(report.totals));
      for (let i = 0; i < 100 && received.length < count; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(received.length, count);
      assert.ok(received.every((r) => r.giaddr === '0.0.0.0' && r.type === MessageType.DISCOVER));
      assert.equal(new Set(received.map((r) => r.mac)).size, 5);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
