import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFlows } from './compile.js';
import { renderFlow } from './flow.js';
import { stateHash } from './state-hash.js';
import { sampleOptions, sampleState } from './test-fixtures.js';

const ARP_REPLY = (mac: string, ip: string) =>
  `move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:${mac}->eth_src,set_field:2->arp_op,move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],set_field:${mac}->arp_sha,move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],set_field:${ip}->arp_spa,IN_PORT`;

// The sample chassis' flow set, in flow order. `ovs-ofctl -O OpenFlow15 --bundle add-flows`
// accepts these lines and `dump-flows` prints back the same match, actions and cookies.
const EXPECTED: ReadonlyArray<readonly [string, string]> = [
  [
    'DHCP from a1 goes to the DHCP table',
    'table=0,priority=110,cookie=0xfd085cbb043697af,udp,in_port=1,dl_src=02:00:00:00:00:01,tp_src=68,tp_dst=67,actions=set_field:0x64->reg0,goto_table:20',
  ],
  [
    'DHCP from a2 goes to the DHCP table',
    'table=0,priority=110,cookie=0x6ecd56db41ce77c4,udp,in_port=2,dl_src=02:00:00:00:00:02,tp_src=68,tp_dst=67,actions=set_field:0x64->reg0,goto_table:20',
  ],
  [
    'DHCP from b1 is tagged with its own VNI',
    'table=0,priority=110,cookie=0x83dd3a0f4b7ae10e,udp,in_port=3,dl_src=02:00:00:00:00:03,tp_src=68,tp_dst=67,actions=set_field:0xc8->reg0,goto_table:20',
  ],
  [
    'ARP from a1 passes with its MAC and IP',
    'table=0,priority=100,cookie=0x7c04a1ee21c02a11,arp,in_port=1,dl_src=02:00:00:00:00:01,arp_spa=10.0.0.5,arp_sha=02:00:00:00:00:01,actions=set_field:0x64->reg0,set_field:0x1->reg1,goto_table:10',
  ],
  [
    'ARP from a2 passes with its MAC and IP',
    'table=0,priority=100,cookie=0xb518dc87c3ca4fa4,arp,in_port=2,dl_src=02:00:00:00:00:02,arp_spa=10.0.0.6,arp_sha=02:00:00:00:00:02,actions=set_field:0x64->reg0,set_field:0x1->reg1,goto_table:10',
  ],
  [
    'ARP from b1 passes with its MAC and IP',
    'table=0,priority=100,cookie=0x611273f685b4858a,arp,in_port=3,dl_src=02:00:00:00:00:03,arp_spa=10.0.0.5,arp_sha=02:00:00:00:00:03,actions=set_field:0xc8->reg0,set_field:0x1->reg1,goto_table:10',
  ],
  [
    'IPv4 from a1 passes with its MAC and IP',
    'table=0,priority=100,cookie=0x85aec0401b0f3bd9,ip,in_port=1,dl_src=02:00:00:00:00:01,nw_src=10.0.0.5,actions=set_field:0x64->reg0,set_field:0x1->reg1,goto_table:10',
  ],
  [
    'IPv4 from a2 passes with its MAC and IP',
    'table=0,priority=100,cookie=0x9971cdc5763d9e0a,ip,in_port=2,dl_src=02:00:00:00:00:02,nw_src=10.0.0.6,actions=set_field:0x64->reg0,set_field:0x1->reg1,goto_table:10',
  ],
  [
    'IPv4 from b1 passes with its MAC and IP',
    'table=0,priority=100,cookie=0x7a7c85ebf7fa94f0,ip,in_port=3,dl_src=02:00:00:00:00:03,nw_src=10.0.0.5,actions=set_field:0xc8->reg0,set_field:0x1->reg1,goto_table:10',
  ],
  [
    'the tunnel passes VNI 100 from the chassis of a3',
    'table=0,priority=100,cookie=0x87ffde15d0910ce9,ip,tun_id=0x64,tun_src=192.168.1.2,in_port=100,actions=set_field:0x64->reg0,goto_table:10',
  ],
  ['table 0 drops the rest', 'table=0,priority=0,cookie=0x5b5d4dc77816d46c,actions=drop'],
  [
    'a1 asking for its own IP is not answered',
    'table=10,priority=110,cookie=0xbb095f86b88d7078,arp,reg0=0x64,reg1=0x1,in_port=1,arp_tpa=10.0.0.5,arp_op=1,actions=drop',
  ],
  [
    'a2 asking for its own IP is not answered',
    'table=10,priority=110,cookie=0xe707cf566dbea077,arp,reg0=0x64,reg1=0x1,in_port=2,arp_tpa=10.0.0.6,arp_op=1,actions=drop',
  ],
  [
    'b1 asking for its own IP is not answered',
    'table=10,priority=110,cookie=0xebe38ad08eadc955,arp,reg0=0xc8,reg1=0x1,in_port=3,arp_tpa=10.0.0.5,arp_op=1,actions=drop',
  ],
  [
    "vpc-a's gateway is answered",
    `table=10,priority=100,cookie=0x6fdf427affe5e81c,arp,reg0=0x64,reg1=0x1,arp_tpa=10.0.0.1,arp_op=1,actions=${ARP_REPLY('0e:00:00:00:00:64', '10.0.0.1')}`,
  ],
  [
    "a1's address is answered in vpc-a",
    `table=10,priority=100,cookie=0xe3f197e6f37f62e2,arp,reg0=0x64,reg1=0x1,arp_tpa=10.0.0.5,arp_op=1,actions=${ARP_REPLY('02:00:00:00:00:01', '10.0.0.5')}`,
  ],
  [
    "a2's address is answered in vpc-a",
    `table=10,priority=100,cookie=0x963450f519b185c7,arp,reg0=0x64,reg1=0x1,arp_tpa=10.0.0.6,arp_op=1,actions=${ARP_REPLY('02:00:00:00:00:02', '10.0.0.6')}`,
  ],
  [
    "remote a3's address is answered in vpc-a",
    `table=10,priority=100,cookie=0xe1675c93c776ea75,arp,reg0=0x64,reg1=0x1,arp_tpa=10.0.0.7,arp_op=1,actions=${ARP_REPLY('02:00:00:00:00:07', '10.0.0.7')}`,
  ],
  [
    "vpc-b's gateway is answered",
    `table=10,priority=100,cookie=0xc7cb6c1a24a056a5,arp,reg0=0xc8,reg1=0x1,arp_tpa=10.0.0.1,arp_op=1,actions=${ARP_REPLY('0e:00:00:00:00:c8', '10.0.0.1')}`,
  ],
  [
    "b1's address is answered in vpc-b",
    `table=10,priority=100,cookie=0xb908d53d48c03ad,arp,reg0=0xc8,reg1=0x1,arp_tpa=10.0.0.5,arp_op=1,actions=${ARP_REPLY('02:00:00:00:00:03', '10.0.0.5')}`,
  ],
  [
    'IPv4 to a1 goes to port 1',
    'table=10,priority=100,cookie=0xf786fa6460b34a83,ip,reg0=0x64,dl_dst=02:00:00:00:00:01,nw_dst=10.0.0.5,actions=output:1',
  ],
  [
    'IPv4 to a2 goes to port 2',
    'table=10,priority=100,cookie=0xae0730de4258ab82,ip,reg0=0x64,dl_dst=02:00:00:00:00:02,nw_dst=10.0.0.6,actions=output:2',
  ],
  [
    'IPv4 from a local port to a3 goes into the tunnel',
    'table=10,priority=100,cookie=0x2390ce8adfb6f0d,ip,reg0=0x64,reg1=0x1,dl_dst=02:00:00:00:00:07,nw_dst=10.0.0.7,actions=set_field:0x64->tun_id,set_field:192.168.1.2->tun_dst,output:100',
  ],
  [
    'IPv4 to b1 goes to port 3',
    'table=10,priority=100,cookie=0xb4134dd203c69340,ip,reg0=0xc8,dl_dst=02:00:00:00:00:03,nw_dst=10.0.0.5,actions=output:3',
  ],
  ['table 10 drops the rest', 'table=10,priority=0,cookie=0xac7a76fadfa24fd9,actions=drop'],
  ['table 20 drops DHCP for now', 'table=20,priority=0,cookie=0xd80bb08d2d197764,actions=drop'],
];

describe('compileFlows', () => {
  const rendered = compileFlows(sampleState(), sampleOptions()).map(renderFlow);

  for (const [behaviour, line] of EXPECTED) {
    it(`renders: ${behaviour}`, () => assert.ok(rendered.includes(line), `missing ${line}`));
  }

  it('renders exactly the expected lines, in flow order', () => {
    assert.deepEqual(
      rendered,
      EXPECTED.map(([, line]) => line),
    );
  });

  it('hashes the flow set whatever the order of its flows', () => {
    const flows = compileFlows(sampleState(), sampleOptions());
    // The sum modulo 2^128 of the first 128 bits of each rendered line's SHA-256.
    const sum = rendered
      .map((line) =>
        BigInt(`0x${createHash('sha256').update(`${line}\n`).digest('hex').slice(0, 32)}`),
      )
      .reduce((a, b) => (a + b) % (1n << 128n), 0n);
    const hash = sum.toString(16).padStart(32, '0');
    assert.equal(stateHash(flows), hash);
    assert.equal(stateHash([...flows].reverse()), hash);
    assert.notEqual(stateHash(flows.slice(1)), hash);
  });

  it('keeps the flows of an unchanged port when another port is added', () => {
    const state = sampleState();
    state.ports.push({
      interfaceId: 'if-b2',
      vpcId: 'vpc-b',
      name: 'b2',
      ip: '10.0.0.9',
      mac: '02:00:00:00:00:09',
    });
    const options = sampleOptions();
    const portNumbers = new Map(options.portNumbers).set('if-b2', 4);
    const grown = compileFlows(state, { ...options, portNumbers }).map(renderFlow);
    for (const line of rendered) assert.ok(grown.includes(line), `lost ${line}`);
    assert.equal(grown.length, rendered.length + 6);
  });

  it('gives every flow of a set its own cookie', () => {
    const cookies = compileFlows(sampleState(), sampleOptions()).map((flow) => flow.cookie);
    assert.equal(new Set(cookies).size, cookies.length);
  });

  it('compiles a chassis without ports to the three default drops', () => {
    const state = { ...sampleState(), vpcs: [], ports: [], remotePorts: [] };
    const flows = compileFlows(state, { portNumbers: new Map(), tunnelPort: 9 });
    assert.deepEqual(
      flows.map((flow) => [flow.table, flow.priority, flow.match, flow.actions]),
      [
        [0, 0, '', 'drop'],
        [10, 0, '', 'drop'],
        [20, 0, '', 'drop'],
      ],
    );
  });
});
