import type { ChassisState, PortState, RemotePortState, VpcState } from '@vpcd/api';
import type { Database, Queryable } from '@vpcd/db';
import { formatIpv4, gatewayOf, parseCidr, type Cidr } from '../validation/ipv4.js';
import { changeLog, wantsFull, type LoggedChange, type PendingChange } from './change-log.js';
import { readChassisStates } from './chassis-state.js';
import { chassisStatus } from './chassis-status.js';
import { GroupBatcher } from './group-batcher.js';

export type { PendingChange };

/** A full state to send, with the pending rows it covers (read in the same snapshot). */
export interface FullLoad {
  /** Epoch of the chassis' lease; generation 0 and `changes` empty: the sender sets them. */
  state: ChassisState;
  changes: number[];
  hvflowdAddr: string;
  /** The revision the chassis last acknowledged, in whatever epoch (0: none). */
  appliedGeneration: number;
  /** Trace of the newest pending change, which the send continues; null when none. */
  traceparent: string | null;
}

/** What changed on a chassis since the VPCs it holds, for a ChassisDelta. */
export interface DeltaLoad {
  vpcs: VpcState[];
  ports: PortState[];
  remotePorts: RemotePortState[];
  /** A VPC gone from the chassis takes its ports and remote ports with it. */
  removedVpcs: string[];
  removedPorts: string[];
  removedRemotePorts: string[];
  /**
   * A row asks for a full state, or a row was refused for good before (see recordRefused): the
   * content is left empty and a full state is to be sent instead.
   */
  fullWanted: boolean;
  hvflowdAddr: string;
}

/** The database side of convergence that the owner's reconciler uses. */
export interface ConvergeStore {
  /**
   * Of `ids`, the chassis with at least one pending change row: id -> its rows in seq order.
   * A chassis whose rows were all refused for good (recordRefused) is left out until a newer
   * change arrives. One indexed query.
   */
  pendingFor(ids: readonly string[]): Promise<Map<string, PendingChange[]>>;
  /** Full state of the chassis and the seqs of its pending rows, one snapshot; undefined if unknown. */
  loadFull(chassisId: string): Promise<FullLoad | undefined>;
  /** Delta content for the given pending rows, relative to the VPCs the chassis holds; one snapshot. */
  loadDelta(
    chassisId: string,
    rows: readonly PendingChange[],
    heldVpcs: ReadonlySet<string>,
  ): Promise<DeltaLoad>;
  /** Marks a message refused for good (too large): its rows are not sent again. */
  recordRefused(
    chassisId: string,
    epoch: number,
    changes: readonly number[],
    reason: string,
  ): Promise<void>;
  /** The content hash the chassis last reported at (epoch, revision), for the audit. */
  reportedContent(
    chassisId: string,
  ): Promise<{ epoch: number; generation: number; contentHash: string } | undefined>;
  /** The hvflowd address the chassis registered last; undefined for an unknown chassis. */
  hvflowdAddr(chassisId: string): Promise<string | undefined>;
}

interface InterfaceRow {
  id: string;
  vpc_id: string;
  chassis_id: string;
  name: string;
  ip: number;
  mac: string;
  underlay_ip: string;
}

/** A change row as stored, for a delta; interface_id null: the chassis joined the VPC. */
interface StoredChange {
  seq: number | string;
  chassis_id: string;
  vpc_id: string;
  interface_id: string | null;
  port_chassis_id: string | null;
}

/** A stored row that names an interface. */
type NamedChange = StoredChange & { interface_id: string };
const namesInterface = (row: StoredChange): row is NamedChange => row.interface_id !== null;

interface VpcRow {
  id: string;
  vni: number;
  cidr: string;
}

function toVpcState(row: VpcRow): VpcState {
  const cidr = parseCidr(row.cidr) as Cidr;
  return { vpcId: row.id, vni: row.vni, cidr: row.cidr, gatewayIp: formatIpv4(gatewayOf(cidr)) };
}

/** An interface as its own chassis' port or as another chassis' remote port. */
function place(row: InterfaceRow, chassisId: string, into: DeltaLoad): void {
  if (row.chassis_id === chassisId) {
    into.ports.push({
      interfaceId: row.id,
      vpcId: row.vpc_id,
      name: row.name,
      ip: formatIpv4(row.ip),
      mac: row.mac,
    });
  } else {
    into.remotePorts.push({
      interfaceId: row.id,
      vpcId: row.vpc_id,
      ip: formatIpv4(row.ip),
      mac: row.mac,
      chassisId: row.chassis_id,
      underlayIp: row.underlay_ip,
    });
  }
}

/**
 * ConvergeStore on the northd database. Safe for concurrent use. The converge loop reconciles
 * one chassis at a time, up to 64 at once; their reads of pending rows, deltas and full states
 * are grouped (GroupBatcher): when many chassis need one together (a create fanning out to the
 * chassis of its VPC, a lease claimed after a failover, a fleet registering), each group reads
 * up to 200 in the statements one chassis would take, where one transaction per chassis queued
 * every reconcile on the pool's few connections and cost the database and northd a round trip
 * per statement per chassis. A lone read goes at once.
 */
export class SqlConvergeStore implements ConvergeStore {
  private readonly pending = new GroupBatcher<string, PendingChange[] | undefined>(
    async (ids) => {
      const found = await this.readPending(ids);
      return ids.map((id) => found.get(id));
    },
    { maxBatch: 200, parallel: 1 },
  );
  private readonly fulls = new GroupBatcher<string, FullLoad | undefined>(
    async (ids) => {
      const found = await this.readFulls(ids);
      return ids.map((id) => found.get(id));
    },
    { maxBatch: 200, parallel: 2 },
  );

  private readonly deltas = new GroupBatcher<DeltaRequest, DeltaLoad>(
    (requests) =>
      this.db.transaction((tx) => readDeltas(tx, requests), { isolation: 'REPEATABLE READ' }),
    { maxBatch: 200, parallel: 2 },
  );

  constructor(private readonly db: Database) {}

  async pendingFor(ids: readonly string[]): Promise<Map<string, PendingChange[]>> {
    if (ids.length !== 1) return this.readPending(ids);
    const rows = await this.pending.submit(ids[0]!);
    return rows === undefined ? new Map() : new Map([[ids[0]!, rows]]);
  }

  loadFull(chassisId: string): Promise<FullLoad | undefined> {
    return this.fulls.submit(chassisId);
  }

  private async readPending(ids: readonly string[]): Promise<Map<string, PendingChange[]>> {
    const out = new Map<string, PendingChange[]>();
    if (ids.length === 0) return out;
    const rows = await this.db.query<{
      chassis_id: string;
      seq: number | string;
      vpc_id: string | null;
      interface_id: string | null;
      traceparent: string | null;
      refused_seq: number | string | null;
    }>(
      `SELECT x.chassis_id, x.seq, x.vpc_id, x.interface_id, x.traceparent, s.refused_seq
       FROM chassis_changes x LEFT JOIN chassis_status s ON s.chassis_id = x.chassis_id
       WHERE x.chassis_id IN (?) ORDER BY x.chassis_id, x.seq`,
      [[...new Set(ids)]],
    );
    const refused = new Map<string, number>();
    for (const row of rows) {
      refused.set(row.chassis_id, Number(row.refused_seq ?? 0));
      let list = out.get(row.chassis_id);
      if (!list) out.set(row.chassis_id, (list = []));
      list.push({
        seq: Number(row.seq),
        vpcId: row.vpc_id,
        interfaceId: row.interface_id,
        traceparent: row.traceparent,
      });
    }
    for (const [id, list] of out) {
      if (list.at(-1)!.seq <= refused.get(id)!) out.delete(id);
    }
    return out;
  }

  /** The full states of `ids` (unknown ones left out), in one snapshot. */
  private async readFulls(ids: readonly string[]): Promise<Map<string, FullLoad>> {
    const unique = [...new Set(ids)];
    return this.db.transaction(
      async (tx) => {
        const states = await readChassisStates(tx, unique);
        const known = unique.filter((id) => states.has(id));
        const out = new Map<string, FullLoad>();
        if (known.length === 0) return out;
        const heads = await tx.query<{
          id: string;
          hvflowd_addr: string;
          applied_generation: number | null;
        }>(
          `SELECT c.id, c.hvflowd_addr, s.applied_generation FROM chassis c
           LEFT JOIN chassis_status s ON s.chassis_id = c.id WHERE c.id IN (?)`,
          [known],
        );
        const pending = new Map<string, LoggedChange[]>();
        for (const change of await changeLog.pending(tx, known)) {
          let list = pending.get(change.chassisId);
          if (!list) pending.set(change.chassisId, (list = []));
          list.push(change);
        }
        for (const head of heads) {
          const mine = pending.get(head.id) ?? [];
          out.set(head.id, {
            state: states.get(head.id)!,
            changes: mine.map((p) => p.seq),
            hvflowdAddr: head.hvflowd_addr,
            appliedGeneration: Number(head.applied_generation ?? 0),
            traceparent: mine.findLast((p) => p.traceparent !== null)?.traceparent ?? null,
          });
        }
        return out;
      },
      { isolation: 'REPEATABLE READ' },
    );
  }

  async loadDelta(
    chassisId: string,
    rows: readonly PendingChange[],
    heldVpcs: ReadonlySet<string>,
  ): Promise<DeltaLoad> {
    return this.deltas.submit({ chassisId, rows, heldVpcs });
  }

  async recordRefused(
    chassisId: string,
    epoch: number,
    changes: readonly number[],
    reason: string,
  ): Promise<void> {
    await chassisStatus.recordRefused(this.db, { chassisId, epoch, changes }, reason);
  }

  async reportedContent(
    chassisId: string,
  ): Promise<{ epoch: number; generation: number; contentHash: string } | undefined> {
    return chassisStatus.reportedContent(this.db, chassisId);
  }

  async hvflowdAddr(chassisId: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ hvflowd_addr: string }>(
      'SELECT hvflowd_addr FROM chassis WHERE id = ?',
      [chassisId],
    );
    return row?.hvflowd_addr;
  }
}

/** One chassis' part of a group of delta reads: its pending rows and the VPCs it holds. */
export interface DeltaRequest {
  readonly chassisId: string;
  readonly rows: readonly PendingChange[];
  readonly heldVpcs: ReadonlySet<string>;
}

const emptyDelta = (): DeltaLoad => ({
  vpcs: [],
  ports: [],
  remotePorts: [],
  removedVpcs: [],
  removedPorts: [],
  removedRemotePorts: [],
  fullWanted: false,
  hvflowdAddr: '',
});

const byInterfaceId = (a: { interfaceId: string }, b: { interfaceId: string }) =>
  a.interfaceId.localeCompare(b.interfaceId);

/**
 * The deltas of several chassis (see DeltaRequest), answered in their order, in the caller's
 * snapshot and in the statements one chassis takes (at most five, whatever the group's size):
 * the chassis' addresses and refusals, the rows as stored (with each interface's chassis), the
 * chassis' membership of the VPCs the rows touch, those VPCs when new on a chassis, and the
 * interfaces the rows name or of a VPC new on a chassis. Each chassis gets only what its own
 * rows and membership call for: a row is taken only if it is of the chassis that asks.
 */
export async function readDeltas(
  tx: Queryable,
  requests: readonly DeltaRequest[],
): Promise<DeltaLoad[]> {
  const out = requests.map(emptyDelta);
  if (requests.length === 0) return out;
  const heads = new Map(
    (
      await tx.query<{ id: string; hvflowd_addr: string; refused_seq: number | string | null }>(
        `SELECT c.id, c.hvflowd_addr, s.refused_seq FROM chassis c
         LEFT JOIN chassis_status s ON s.chassis_id = c.id WHERE c.id IN (?)`,
        [[...new Set(requests.map((r) => r.chassisId))]],
      )
    ).map((h) => [h.id, h]),
  );
  // The requests that need rows read: known chassis, no row asking for a full state.
  const reading: number[] = [];
  requests.forEach((r, i) => {
    const head = heads.get(r.chassisId);
    if (head === undefined) {
      out[i]!.fullWanted = true;
      return;
    }
    out[i]!.hvflowdAddr = head.hvflowd_addr;
    const refusedSeq = Number(head.refused_seq ?? 0);
    if (r.rows.some((row) => wantsFull(row) || row.seq <= refusedSeq)) out[i]!.fullWanted = true;
    else if (r.rows.length > 0) reading.push(i);
  });
  if (reading.length === 0) return out;

  const stored = new Map<number, StoredChange>();
  for (const row of await tx.query<StoredChange>(
    `SELECT seq, chassis_id, vpc_id, interface_id, port_chassis_id FROM chassis_changes
     WHERE seq IN (?)`,
    [[...new Set(reading.flatMap((i) => requests[i]!.rows.map((r) => r.seq)))]],
  )) {
    stored.set(Number(row.seq), row);
  }
  const rowsOf = reading.map((i) =>
    requests[i]!.rows.flatMap((r) => {
      const row = stored.get(r.seq);
      return row !== undefined && row.chassis_id === requests[i]!.chassisId ? [row] : [];
    }),
  );
  const touched = [...new Set(rowsOf.flat().map((r) => r.vpc_id))];
  const members = new Set<string>();
  if (touched.length > 0) {
    for (const m of await tx.query<{ chassis_id: string; vpc_id: string }>(
      'SELECT chassis_id, vpc_id FROM vpc_chassis WHERE chassis_id IN (?) AND vpc_id IN (?)',
      [[...new Set(reading.map((i) => requests[i]!.chassisId))], touched],
    )) {
      members.add(`${m.chassis_id}\n${m.vpc_id}`);
    }
  }
  const plans = reading.map((i, k) => {
    const { chassisId, heldVpcs } = requests[i]!;
    const member = (vpcId: string) => members.has(`${chassisId}\n${vpcId}`);
    const rows = rowsOf[k]!;
    // The chassis joined a VPC it is in now but, as far as this chain has told it, holds still:
    // it left and came back since the last message, and what changed in the VPC meanwhile has
    // no rows of it. Only a full state can say what it must hold of that VPC.
    if (rows.some((r) => !namesInterface(r) && member(r.vpc_id) && heldVpcs.has(r.vpc_id))) {
      out[i]!.fullWanted = true;
      return { i, named: [], namedIds: new Set<string>(), newVpcs: new Set<string>() };
    }
    const vpcs = [...new Set(rows.map((r) => r.vpc_id))];
    out[i]!.removedVpcs = vpcs.filter((v) => !member(v) && heldVpcs.has(v)).sort();
    // Rows of VPCs the chassis holds and still spans name their interfaces one by one; a VPC
    // new on the chassis goes whole, its joining row included.
    const named = rows.filter(
      (r): r is NamedChange => namesInterface(r) && member(r.vpc_id) && heldVpcs.has(r.vpc_id),
    );
    return {
      i,
      named,
      namedIds: new Set(named.map((r) => r.interface_id)),
      newVpcs: new Set(vpcs.filter((v) => member(v) && !heldVpcs.has(v))),
    };
  });
  const allNewVpcs = [...new Set(plans.flatMap((p) => [...p.newVpcs]))];
  const allNamedIds = [...new Set(plans.flatMap((p) => [...p.namedIds]))];
  if (allNewVpcs.length > 0) {
    const vpcStates = new Map(
      (await tx.query<VpcRow>('SELECT id, vni, cidr FROM vpcs WHERE id IN (?)', [allNewVpcs])).map(
        (row) => [row.id, toVpcState(row)],
      ),
    );
    for (const p of plans) {
      out[p.i]!.vpcs = [...p.newVpcs]
        .flatMap((v) => vpcStates.get(v) ?? [])
        .sort((a, b) => a.vpcId.localeCompare(b.vpcId));
    }
  }
  const where: string[] = [];
  const params: unknown[] = [];
  if (allNewVpcs.length > 0) {
    where.push('i.vpc_id IN (?)');
    params.push(allNewVpcs);
  }
  if (allNamedIds.length > 0) {
    where.push('i.id IN (?)');
    params.push(allNamedIds);
  }
  const interfaces =
    where.length === 0
      ? []
      : await tx.query<InterfaceRow>(
          `SELECT i.id, i.vpc_id, i.chassis_id, i.name, i.ip, i.mac, c.underlay_ip
           FROM interfaces i JOIN chassis c ON c.id = i.chassis_id WHERE ${where.join(' OR ')}`,
          params,
        );
  for (const p of plans) {
    const delta = out[p.i]!;
    const chassisId = requests[p.i]!.chassisId;
    const found = new Set<string>();
    for (const row of interfaces) {
      if (!p.newVpcs.has(row.vpc_id) && !p.namedIds.has(row.id)) continue;
      found.add(row.id);
      place(row, chassisId, delta);
    }
    for (const row of p.named) {
      if (found.has(row.interface_id)) continue;
      const list =
        row.port_chassis_id === chassisId ? delta.removedPorts : delta.removedRemotePorts;
      if (!list.includes(row.interface_id)) list.push(row.interface_id);
    }
    delta.ports.sort(byInterfaceId);
    delta.remotePorts.sort(byInterfaceId);
    delta.removedPorts.sort();
    delta.removedRemotePorts.sort();
  }
  return out;
}
