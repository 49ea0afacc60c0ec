import { randomUUID } from 'node:crypto';
import type { Queryable } from '@vpcd/db';

/** Rows a multi-row INSERT carries at most. */
const rowsPerStatement = 500;

/**
 * Inserts `rows` into `table` with multi-row INSERTs, straight into northd's schema: set-up
 * at a speed the API is not meant for. The caller bumps the generations it affects.
 */
export async function insertRows(
  db: Queryable,
  table: 'chassis' | 'interfaces',
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  const placeholders = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += rowsPerStatement) {
    const chunk = rows.slice(i, i + rowsPerStatement);
    await db.execute(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => placeholders).join(', ')}`,
      chunk.flat(),
    );
  }
}

/** A locally administered unicast MAC, distinct for each `n` below 2^32. */
export function macOf(n: number): string {
  const bytes = [0x02, 0xbe, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** An underlay address in 198.18.0.0/15, the block set aside for benchmarks (RFC 2544). */
export function underlayIpOf(n: number): string {
  const host = n + 1;
  return `198.${18 + ((host >>> 16) & 1)}.${(host >>> 8) & 255}.${host & 255}`;
}

export const chassisColumns = ['id', 'hostname', 'underlay_ip', 'hvflowd_addr'] as const;

/** Rows of `chassisColumns` for chassis `ids`, as RegisterChassis would write them. */
export function chassisRows(ids: readonly string[], firstUnderlay: number): unknown[][] {
  return ids.map((id, i) => [id, id, underlayIpOf(firstUnderlay + i), `${id}:50053`]);
}

export const interfaceColumns = [
  'id',
  'vpc_id',
  'chassis_id',
  'name',
  'ip',
  'mac',
  'generation',
] as const;

export interface InterfaceRowSpec {
  readonly vpcId: string;
  readonly chassisId: string;
  readonly name: string;
  /** The address as northd stores it: an unsigned 32-bit integer. */
  readonly ip: number;
  /** Distinct within the VPC. */
  readonly macIndex: number;
}

/** Rows of `interfaceColumns`, at generation 1: ACTIVE once their chassis acknowledged one. */
export function interfaceRows(specs: readonly InterfaceRowSpec[]): unknown[][] {
  return specs.map((s) => [randomUUID(), s.vpcId, s.chassisId, s.name, s.ip, macOf(s.macIndex), 1]);
}

/** `a.b.c.d` as the unsigned integer northd stores. */
export function ipv4ToNumber(text: string): number {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`"${text}" is not an IPv4 address`);
  }
  return parts.reduce((n, p) => n * 256 + p, 0);
}
