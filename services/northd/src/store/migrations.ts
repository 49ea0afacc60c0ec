import type { Migration } from '@vpcd/db';

/**
 * The northd schema. Append only: a released migration never changes. IPv4 addresses are stored
 * as unsigned integers so ranges and IPAM are arithmetic.
 */
export const migrations: readonly Migration[] = [
  {
    id: 1,
    name: 'initial schema',
    statements: [
      `CREATE TABLE projects (
        id CHAR(36) NOT NULL PRIMARY KEY,
        name VARCHAR(63) NOT NULL,
        create_time DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        UNIQUE KEY uq_projects_name (name)
      ) ENGINE=InnoDB`,
      `CREATE TABLE tokens (
        id CHAR(36) NOT NULL PRIMARY KEY,
        project_id CHAR(36) NOT NULL,
        token_hash BINARY(32) NOT NULL,
        create_time DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        UNIQUE KEY uq_tokens_hash (token_hash),
        CONSTRAINT fk_tokens_project FOREIGN KEY (project_id) REFERENCES projects (id)
      ) ENGINE=InnoDB`,
      `CREATE TABLE vpcs (
        id CHAR(36) NOT NULL PRIMARY KEY,
        project_id CHAR(36) NOT NULL,
        name VARCHAR(63) NOT NULL,
        cidr VARCHAR(18) NOT NULL,
        net_first INT UNSIGNED NOT NULL,
        net_last INT UNSIGNED NOT NULL,
        vni INT UNSIGNED NOT NULL AUTO_INCREMENT,
        generation BIGINT NOT NULL DEFAULT 1,
        create_time DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        UNIQUE KEY uq_vpcs_vni (vni),
        UNIQUE KEY uq_vpcs_project_name (project_id, name),
        KEY ix_vpcs_project_range (project_id, net_first, net_last),
        CONSTRAINT fk_vpcs_project FOREIGN KEY (project_id) REFERENCES projects (id)
      ) ENGINE=InnoDB AUTO_INCREMENT=1000`,
      `CREATE TABLE chassis (
        id VARCHAR(63) NOT NULL PRIMARY KEY,
        hostname VARCHAR(255) NOT NULL,
        underlay_ip VARCHAR(15) NOT NULL,
        hvflowd_addr VARCHAR(255) NOT NULL,
        owner VARCHAR(128) NULL,
        epoch BIGINT UNSIGNED NOT NULL DEFAULT 0,
        lease_expires_at DATETIME(3) NULL,
        desired_generation BIGINT NOT NULL DEFAULT 1,
        desired_changed_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        applied_generation BIGINT NOT NULL DEFAULT 0,
        applied_epoch BIGINT UNSIGNED NOT NULL DEFAULT 0,
        state_hash VARCHAR(64) NOT NULL DEFAULT '',
        last_heartbeat_time DATETIME(3) NULL,
        create_time DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        KEY ix_chassis_owner (owner)
      ) ENGINE=InnoDB`,
      `CREATE TABLE interfaces (
        id CHAR(36) NOT NULL PRIMARY KEY,
        vpc_id CHAR(36) NOT NULL,
        chassis_id VARCHAR(63) NOT NULL,
        name VARCHAR(63) NOT NULL,
        ip INT UNSIGNED NOT NULL,
        mac CHAR(17) NOT NULL,
        generation BIGINT NOT NULL,
        create_time DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        UNIQUE KEY uq_interfaces_vpc_ip (vpc_id, ip),
        UNIQUE KEY uq_interfaces_vpc_mac (vpc_id, mac),
        UNIQUE KEY uq_interfaces_vpc_name (vpc_id, name),
        KEY ix_interfaces_chassis (chassis_id),
        CONSTRAINT fk_interfaces_vpc FOREIGN KEY (vpc_id) REFERENCES vpcs (id),
        CONSTRAINT fk_interfaces_chassis FOREIGN KEY (chassis_id) REFERENCES chassis (id)
      ) ENGINE=InnoDB`,
      `CREATE TABLE northd_members (
        id VARCHAR(128) NOT NULL PRIMARY KEY,
        expires_at DATETIME(3) NOT NULL
      ) ENGINE=InnoDB`,
      `CREATE TABLE request_log (
        scope VARCHAR(80) NOT NULL,
        request_id VARCHAR(128) NOT NULL,
        method VARCHAR(64) NOT NULL,
        request_hash BINARY(32) NOT NULL,
        response MEDIUMBLOB NULL,
        create_time DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (scope, request_id),
        KEY ix_request_log_time (create_time)
      ) ENGINE=InnoDB`,
    ],
  },
  {
    id: 2,
    name: 'trace context of the latest change per chassis',
    statements: ['ALTER TABLE chassis ADD COLUMN desired_traceparent VARCHAR(64) NULL'],
  },
  // Migrations 3 to 6 have several statements each: every CREATE and INSERT may run again (IF NOT
  // EXISTS, INSERT IGNORE on primary keys), and a column added comes last in its migration, so a
  // migration cut off half way is completed by the next start (see packages/db migrate.ts).
  {
    id: 3,
    name: 'bounded VNI pool; ports a chassis left out',
    statements: [
      // VNIs come from the pool (store/vni-pool.ts), no longer from AUTO_INCREMENT, which burned
      // one on every failed insert and never reused a deleted VPC's. Existing VNIs stay.
      'ALTER TABLE vpcs MODIFY vni INT UNSIGNED NOT NULL',
      `CREATE TABLE IF NOT EXISTS vni_pool (
        id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
        next_vni INT UNSIGNED NOT NULL
      ) ENGINE=InnoDB`,
      'INSERT IGNORE INTO vni_pool (id, next_vni) SELECT 1, COALESCE(MAX(vni), 0) + 1 FROM vpcs',
      `CREATE TABLE IF NOT EXISTS vni_free (
        vni INT UNSIGNED NOT NULL PRIMARY KEY
      ) ENGINE=InnoDB`,
      // JSON {interface id: reason} of the chassis' ports its last applied state left out.
      'ALTER TABLE chassis ADD COLUMN rejected_ports MEDIUMTEXT NULL',
    ],
  },
  {
    id: 4,
    name: 'per-project quotas, and states refused for good',
    statements: [
      // NULL: northd's default (QUOTA_DEFAULT_*) is in force. Every project has a row, so the
      // row can be locked to serialise the creates that a quota counts.
      `CREATE TABLE IF NOT EXISTS project_quotas (
        project_id CHAR(36) NOT NULL PRIMARY KEY,
        max_vpcs INT UNSIGNED NULL,
        max_interfaces_per_vpc INT UNSIGNED NULL,
        max_interfaces INT UNSIGNED NULL,
        update_time DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        CONSTRAINT fk_project_quotas_project FOREIGN KEY (project_id) REFERENCES projects (id)
      ) ENGINE=InnoDB`,
      'INSERT IGNORE INTO project_quotas (project_id) SELECT id FROM projects',
      // The generation of a chassis' state that the path to its hvflowd refused for good (too
      // large, invalid): not sent again until the desired generation moves past it.
      `ALTER TABLE chassis ADD COLUMN refused_generation BIGINT NOT NULL DEFAULT 0,
        ADD COLUMN refused_reason VARCHAR(255) NOT NULL DEFAULT ''`,
    ],
  },
  {
    id: 5,
    name: 'service tokens, token expiry and revocation',
    statements: [
      // A token speaks for a project or for a service identity (role and subject), never both.
      `ALTER TABLE tokens
        MODIFY project_id CHAR(36) NULL,
        ADD COLUMN role VARCHAR(32) NULL,
        ADD COLUMN subject VARCHAR(128) NULL,
        ADD COLUMN suffix CHAR(4) NOT NULL DEFAULT '',
        ADD COLUMN expire_time DATETIME(3) NULL,
        ADD COLUMN revoke_time DATETIME(3) NULL,
        ADD CONSTRAINT ck_tokens_owner CHECK (
          (project_id IS NULL) <> (role IS NULL) AND (role IS NULL) = (subject IS NULL)
        )`,
    ],
  },
  {
    id: 6,
    name: 'per-VPC free address ranges for IPAM',
    statements: [
      // A VPC's free host addresses as disjoint ranges (store/ip-pool.ts): IPAM reads one row
      // instead of every interface of the VPC. The rows go with their VPC. A row 0-0 marks a
      // VPC whose free list is kept, so one without ranges is full.
      `CREATE TABLE IF NOT EXISTS vpc_ip_free (
        vpc_id CHAR(36) NOT NULL,
        first_ip INT UNSIGNED NOT NULL,
        last_ip INT UNSIGNED NOT NULL,
        PRIMARY KEY (vpc_id, first_ip),
        CONSTRAINT fk_vpc_ip_free_vpc FOREIGN KEY (vpc_id) REFERENCES vpcs (id) ON DELETE CASCADE
      ) ENGINE=InnoDB`,
      'INSERT IGNORE INTO vpc_ip_free (vpc_id, first_ip, last_ip) SELECT id, 0, 0 FROM vpcs',
      // Every existing VPC's gaps between its interfaces, fenced by its gateway (first host) and
      // broadcast address, which are never handed out: a gap between two neighbours a and b is
      // a + 1 .. b - 1. Interfaces on reserved addresses (written by hand) are not fences.
      `INSERT IGNORE INTO vpc_ip_free (vpc_id, first_ip, last_ip)
       SELECT vpc_id, prev_ip + 1, ip - 1 FROM (
         SELECT vpc_id, ip, LAG(ip) OVER (PARTITION BY vpc_id ORDER BY ip) AS prev_ip FROM (
           SELECT id AS vpc_id, net_first + 1 AS ip FROM vpcs
           UNION ALL SELECT id, net_last FROM vpcs
           UNION ALL SELECT i.vpc_id, i.ip FROM interfaces i JOIN vpcs v ON v.id = i.vpc_id
             WHERE i.ip > v.net_first + 1 AND i.ip < v.net_last
         ) used
       ) gaps WHERE ip - prev_ip > 1`,
    ],
  },
  // Migration 7 only adds and copies: every CREATE has IF NOT EXISTS, every copy is INSERT
  // IGNORE or guarded by NOT EXISTS, the column comes with IF NOT EXISTS and its fill is an
  // UPDATE to the same value, so a run cut off is completed by the next. It reads the old chassis
  // columns, which migration 8 drops once it is recorded.
  {
    id: 7,
    name: 'change log, VPC membership, leases and applied status of chassis',
    statements: [
      // The outbox of convergence (store/change-log.ts): one row per chassis whose state a write
      // changed, until an acknowledgement of a message that covered it retires it. vpc_id and
      // interface_id NULL: a full state is wanted. port_chassis_id: the interface's own chassis,
      // so a delta for an interface gone says whether a port or a remote port goes.
      `CREATE TABLE IF NOT EXISTS chassis_changes (
        seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        chassis_id VARCHAR(63) NOT NULL,
        vpc_id CHAR(36) NULL,
        interface_id CHAR(36) NULL,
        port_chassis_id VARCHAR(63) NULL,
        traceparent VARCHAR(64) NULL,
        create_time DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        KEY ix_chassis_changes_chassis (chassis_id, seq),
        KEY ix_chassis_changes_interface (interface_id)
      ) ENGINE=InnoDB`,
      // Which chassis each VPC spans, with its ports there: kept by interface writes under the
      // VPC's row lock, so a write in one VPC reads and locks rows of that VPC only.
      `CREATE TABLE IF NOT EXISTS vpc_chassis (
        vpc_id CHAR(36) NOT NULL,
        chassis_id VARCHAR(63) NOT NULL,
        ports INT UNSIGNED NOT NULL,
        PRIMARY KEY (vpc_id, chassis_id),
        KEY ix_vpc_chassis_chassis (chassis_id, vpc_id),
        CONSTRAINT fk_vpc_chassis_vpc FOREIGN KEY (vpc_id) REFERENCES vpcs (id) ON DELETE CASCADE
      ) ENGINE=InnoDB`,
      // Leases (leases/lease-store.ts) and applied status (store/chassis-status.ts) each have
      // their table, so a renewal, an ack and a registration never wait for each other.
      `CREATE TABLE IF NOT EXISTS chassis_leases (
        chassis_id VARCHAR(63) NOT NULL PRIMARY KEY,
        owner VARCHAR(128) NULL,
        epoch BIGINT UNSIGNED NOT NULL DEFAULT 0,
        expires_at DATETIME(3) NULL,
        KEY ix_chassis_leases_owner (owner)
      ) ENGINE=InnoDB`,
      `CREATE TABLE IF NOT EXISTS chassis_status (
        chassis_id VARCHAR(63) NOT NULL PRIMARY KEY,
        applied_epoch BIGINT UNSIGNED NOT NULL DEFAULT 0,
        applied_generation BIGINT NOT NULL DEFAULT 0,
        applied_seq BIGINT UNSIGNED NOT NULL DEFAULT 0,
        state_hash VARCHAR(64) NOT NULL DEFAULT '',
        content_hash VARCHAR(64) NOT NULL DEFAULT '',
        rejected_ports MEDIUMTEXT NULL,
        refused_seq BIGINT UNSIGNED NOT NULL DEFAULT 0,
        refused_reason VARCHAR(255) NOT NULL DEFAULT '',
        last_heartbeat_time DATETIME(3) NULL
      ) ENGINE=InnoDB`,
      `INSERT IGNORE INTO chassis_leases (chassis_id, owner, epoch, expires_at)
       SELECT id, owner, epoch, lease_expires_at FROM chassis`,
      `INSERT IGNORE INTO chassis_status (chassis_id, applied_epoch, applied_generation,
         state_hash, rejected_ports, last_heartbeat_time)
       SELECT id, applied_epoch, applied_generation, state_hash, rejected_ports, last_heartbeat_time
       FROM chassis`,
      `INSERT IGNORE INTO vpc_chassis (vpc_id, chassis_id, ports)
       SELECT vpc_id, chassis_id, COUNT(*) FROM interfaces GROUP BY vpc_id, chassis_id`,
      'ALTER TABLE vpcs ADD COLUMN IF NOT EXISTS interface_count INT UNSIGNED NOT NULL DEFAULT 0',
      `UPDATE vpcs v SET interface_count =
         (SELECT COUNT(*) FROM interfaces i WHERE i.vpc_id = v.id)`,
      // A chassis behind (and not refused for good) gets a full state from its next owner; its
      // interfaces not yet applied stay PENDING until then.
      `INSERT INTO chassis_changes (chassis_id)
       SELECT c.id FROM chassis c
       WHERE c.applied_generation < c.desired_generation
         AND c.refused_generation < c.desired_generation
         AND NOT EXISTS (SELECT 1 FROM chassis_changes x
           WHERE x.chassis_id = c.id AND x.vpc_id IS NULL AND x.interface_id IS NULL)`,
      `INSERT INTO chassis_changes (chassis_id, vpc_id, interface_id, port_chassis_id)
       SELECT i.chassis_id, i.vpc_id, i.id, i.chassis_id FROM interfaces i
       JOIN chassis c ON c.id = i.chassis_id
       WHERE i.generation > c.applied_generation
         AND NOT EXISTS (SELECT 1 FROM chassis_changes x
           WHERE x.chassis_id = i.chassis_id AND x.interface_id = i.id)`,
    ],
  },
  {
    id: 8,
    name: 'chassis rows hold registration only',
    statements: [
      // Lease, status and generations moved to their tables in migration 7. IF EXISTS: a run
      // cut off after some drops is completed by the next.
      `ALTER TABLE chassis DROP INDEX IF EXISTS ix_chassis_owner,
        DROP COLUMN IF EXISTS owner, DROP COLUMN IF EXISTS epoch,
        DROP COLUMN IF EXISTS lease_expires_at, DROP COLUMN IF EXISTS desired_generation,
        DROP COLUMN IF EXISTS desired_changed_at, DROP COLUMN IF EXISTS desired_traceparent,
        DROP COLUMN IF EXISTS applied_generation, DROP COLUMN IF EXISTS applied_epoch,
        DROP COLUMN IF EXISTS state_hash, DROP COLUMN IF EXISTS last_heartbeat_time,
        DROP COLUMN IF EXISTS rejected_ports, DROP COLUMN IF EXISTS refused_generation,
        DROP COLUMN IF EXISTS refused_reason`,
    ],
  },
];
