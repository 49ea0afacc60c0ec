import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { migrate, type Database } from '@vpcd/db';
import { createRegistry } from '@vpcd/observability';
import { hasCode, Status } from '@vpcd/rpc';
import { formatIpv4, parseCidr, parseIpv4, type Cidr } from '../validation/ipv4.js';
import { IpPool } from './ip-pool.js';
import { migratedDatabase } from '../test-support.js';
import { migrations } from './migrations.js';

const ip = (text: string) => parseIpv4(text)!;

describe('migration 6: free address ranges of existing VPCs', () => {
  const database = migratedDatabase({ migrated: false });
  let db: Database;
  before(() => {
    db = database.db;
  });

  it('builds each VPC its gaps from the interfaces it holds, keeping every row', async () => {
    await migrate(
      db,
      migrations.filter((m) => m.id <= 5),
    );
    await db.execute("INSERT INTO projects (id, name) VALUES ('p', 'p')");
    await db.execute(
      "INSERT INTO chassis (id, hostname, underlay_ip, hvflowd_addr) VALUES ('hv1', 'hv1', '192.0.2.1', 'hv1:1')",
    );
    const vpcs = [
      ['busy', '10.70.0.0/24', 1],
      ['empty', '10.71.0.0/24', 2],
      ['full', '10.72.0.0/28', 3],
    ] as const;
    for (const [id, cidrText, vni] of vpcs) {
      const cidr = parseCidr(cidrText) as Cidr;
      await db.execute(
        "INSERT INTO vpcs (id, project_id, name, cidr, net_first, net_last, vni) VALUES (?, 'p', ?, ?, ?, ?, ?)",
        [id, id, cidrText, cidr.first, cidr.last, vni],
      );
    }
    const held: Array<[string, string]> = [
      ['busy', '10.70.0.2'],
      ['busy', '10.70.0.3'],
      ['busy', '10.70.0.5'],
      ['busy', '10.70.0.200'],
      ['busy', '10.70.0.254'],
      // On the gateway, written by hand: no fence, and never handed out either.
      ['busy', '10.70.0.1'],
      ...Array.from({ length: 13 }, (_, i): [string, string] => ['full', `10.72.0.${i + 2}`]),
    ];
    for (const [i, [vpcId, addr]] of held.entries()) {
      await db.execute(
        `INSERT INTO interfaces (id, vpc_id, chassis_id, name, ip, mac, generation)
         VALUES (?, ?, 'hv1', ?, ?, ?, 1)`,
        [
          `iface-${i}`,
          vpcId,
          `n${i}`,
          ip(addr),
          `02:70:00:00:00:${i.toString(16).padStart(2, '0')}`,
        ],
      );
    }
    const rows = 'SELECT id, vpc_id, ip, mac FROM interfaces ORDER BY id';
    const before = await db.query(rows);

    await migrate(db, migrations);

    assert.deepEqual(await db.query(rows), before);
    const free = await db.query<{ vpc_id: string; first_ip: number; last_ip: number }>(
      'SELECT vpc_id, first_ip, last_ip FROM vpc_ip_free ORDER BY vpc_id, first_ip',
    );
    assert.deepEqual(
      free.map((r) => `${r.vpc_id} ${formatIpv4(r.first_ip)}-${formatIpv4(r.last_ip)}`),
      [
        'busy 0.0.0.0-0.0.0.0', // the marker: this VPC's free list is kept
        'busy 10.70.0.4-10.70.0.4',
        'busy 10.70.0.6-10.70.0.199',
        'busy 10.70.0.201-10.70.0.253',
        'empty 0.0.0.0-0.0.0.0',
        'empty 10.71.0.2-10.71.0.254',
        'full 0.0.0.0-0.0.0.0', // kept, and no free range: full
      ],
    );

    const pool = new IpPool(createRegistry({ service: 'test', collectDefault: false }));
    const busy = parseCidr('10.70.0.0/24') as Cidr;
    const next = await db.transaction((tx) => pool.allocate(tx, 'busy', busy));
    assert.equal(formatIpv4(next), '10.70.0.4');
    const after = await db.transaction((tx) => pool.allocate(tx, 'busy', busy));
    assert.equal(formatIpv4(after), '10.70.0.6');
    const full = parseCidr('10.72.0.0/28') as Cidr;
    await assert.rejects(
      db.transaction((tx) => pool.allocate(tx, 'full', full)),
      (err: unknown) => hasCode(err, Status.RESOURCE_EXHAUSTED),
    );
  });
});
