// A DHCP client for the security tests, run inside a guest's network namespace:
//   node dhcp-probe.js --listen-ms 1500 [--chaddr 02:..] [--giaddr 10.0.0.9] [--xid 1234]
// binds 0.0.0.0:68, sends one DHCPDISCOVER (with --chaddr) to 255.255.255.255:67, and prints,
// after --listen-ms, one JSON line: every DHCP message received on port 68 meanwhile. It prints
// "ready" first, once the socket is bound. Without --chaddr it only listens.
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
socket.bind(68, '0.0.0.0', () => {
  socket.setBroadcast(true);
  process.stdout.write('ready\n');
  if (values.chaddr !== undefined) {
    const datagram = discover(values.chaddr, values.giaddr, Number(values.xid));
    socket.send(datagram, 67, '255.255.255.255');
  }
  setTimeout(() => {
    process.stdout.write(`${JSON.stringify(received)}\n`);
    socket.close();
  }, Number(values['listen-ms']));
});
