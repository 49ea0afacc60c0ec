// A DHCP client for the security tests, run inside a guest's network namespace:
//   node dhcp-probe.js --listen-ms 1500 [--chaddr 02:..] [--giaddr 10.0.0.9] [--xid 1234]
//   node dhcp-probe.js --flood 1000 --listen-ms 0
// binds 0.0.0.0:68, sends one DHCPDISCOVER (with --chaddr) to 255.255.255.255:67, or --flood N
// of them, each with a hardware address of its own (02:66:00:..), about one a millisecond, and
// prints, after --listen-ms, one JSON line: every DHCP message received on port 68 meanwhile. It
// prints "ready" first, once the socket is bound. Without --chaddr or --flood it only listens.
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';

export interface ProbeReply {
  readonly from: string;
  readonly op: number;
  readonly xid: number;
  readonly yiaddr: string;
  readonly chaddr: string;
}

const { values } = parseArgs({
  options: {
    'listen-ms': { type: 'string', default: '1500' },
    chaddr: { type: 'string' },
    giaddr: { type: 'string', default: '0.0.0.0' },
    xid: { type: 'string', default: '305419896' },
    flood: { type: 'string', default: '0' },
  },
});

function discover(chaddr: string, giaddr: string, xid: number): Buffer {
  const options = [53, 1, 1, 55, 3, 1, 3, 6, 255];
  const buf = Buffer.alloc(240 + options.length);
  buf[0] = 1; // BOOTREQUEST
  buf[1] = 1; // Ethernet
  buf[2] = 6;
  buf.writeUInt32BE(xid, 4);
  buf.set(giaddr.split('.').map(Number), 24);
  buf.set(
    chaddr.split(':').map((h) => parseInt(h, 16)),
    28,
  );
  buf.writeUInt32BE(0x63825363, 236);
  buf.set(options, 240);
  return buf;
}

const ip = (buf: Buffer, at: number) => [...buf.subarray(at, at + 4)].join('.');
const mac = (buf: Buffer) =>
  [...buf.subarray(28, 34)].map((b) => b.toString(16).padStart(2, '0')).join(':');

const socket = createSocket({ type: 'udp4', reuseAddr: true });
const received: ProbeReply[] = [];
socket.on('message', (datagram, rinfo) => {
  if (datagram.length < 240) return;
  received.push({
    from: rinfo.address,
    op: datagram[0]!,
    xid: datagram.readUInt32BE(4),
    yiaddr: ip(datagram, 16),
    chaddr: mac(datagram),
  });
});
const send = (datagram: Buffer) =>
  new Promise<void>((resolve, reject) =>
    socket.send(datagram, 67, '255.255.255.255', (err) => (err ? reject(err) : resolve())),
  );

async function flood(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const chaddr = `02:66:00:${[i >> 16, (i >> 8) & 0xff, i & 0xff].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
    await send(discover(chaddr, '0.0.0.0', i + 1));
    if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

socket.bind(68, '0.0.0.0', () => {
  socket.setBroadcast(true);
  process.stdout.write('ready\n');
  void (async () => {
    if (values.chaddr !== undefined) {
      await send(discover(values.chaddr, values.giaddr, Number(values.xid)));
    }
    await flood(Number(values.flood));
    await new Promise((resolve) => setTimeout(resolve, Number(values['listen-ms'])));
    process.stdout.write(`${JSON.stringify(received)}\n`);
    socket.close();
  })();
});
