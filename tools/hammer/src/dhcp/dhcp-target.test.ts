import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { parseDhcp, serializeDhcp } from '@vpcd/hvaddr';
import { runHammer } from '../run/run-hammer.js';
import { MessageType, messageTypeOf } from './dhcp-packets.js';
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
