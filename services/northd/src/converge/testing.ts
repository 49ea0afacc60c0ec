import type { ChassisState, PortState } from '@vpcd/api';
import type { ConvergePublisher, Outgoing, PublishOutcome } from './publisher.js';
import type { ConvergeStore, PendingChange } from './reconciler.js';

// In-memory fakes of the converge side's own interfaces, for its unit tests.

/** Lets the promise callbacks of work that already finished run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** The change log and states of a few chassis, in memory; every chassis holds VPC v1. */
export class FakeStore implements ConvergeStore {
  private seq = 0;
  readonly rows = new Map<string, PendingChange[]>();
  readonly ports = new Map<string, PortState[]>();
  readonly reported = new Map<string, { epoch: number; generation: number; contentHash: string }>();
  readonly refused: { chassisId: string; changes: readonly number[] }[] = [];
  /** The hvflowd address each chassis registered; `<chassis>:50053` when not set. */
  readonly addresses = new Map<string, string>();
  /** Chassis the store cannot load and has no address for (deleted, or not registered). */
  readonly gone = new Set<string>(['unknown']);
  pendingReads = 0;

  /** An interface created on `chassisId`: its port and a change row. */
  createPort(chassisId: string, interfaceId: string): number {
    const ports = this.ports.get(chassisId) ?? [];
    ports.push({ interfaceId, vpcId: 'v1', name: interfaceId, ip: '10.0.0.9', mac: 'mac' });
    this.ports.set(chassisId, ports);
    return this.addRow(chassisId, { vpcId: 'v1', interfaceId });
  }

  requestFull(chassisId: string): number {
    return this.addRow(chassisId, { vpcId: null, interfaceId: null });
  }

  retire(chassisId: string, seqs: readonly number[]): void {
    this.rows.set(
      chassisId,
      (this.rows.get(chassisId) ?? []).filter((r) => !seqs.includes(r.seq)),
    );
  }

  private addRow(chassisId: string, row: { vpcId: string | null; interfaceId: string | null }) {
    const seq = ++this.seq;
    const rows = this.rows.get(chassisId) ?? [];
    rows.push({ seq, ...row, traceparent: `tp-${seq}` });
    this.rows.set(chassisId, rows);
    return seq;
  }

  pendingFor(ids: readonly string[]): Promise<Map<string, PendingChange[]>> {
    this.pendingReads++;
    const found = new Map<string, PendingChange[]>();
    for (const id of ids) {
      const rows = this.rows.get(id) ?? [];
      if (rows.length > 0) found.set(id, [...rows]);
    }
    return Promise.resolve(found);
  }

  loadFull(chassisId: string) {
    if (this.gone.has(chassisId)) return Promise.resolve(undefined);
    const rows = this.rows.get(chassisId) ?? [];
    return Promise.resolve({
      state: this.stateOf(chassisId),
      changes: rows.map((r) => r.seq),
      hvflowdAddr: this.addresses.get(chassisId) ?? `${chassisId}:50053`,
      appliedGeneration: this.reported.get(chassisId)?.generation ?? 0,
      traceparent: rows.at(-1)?.traceparent ?? null,
    });
  }

  stateOf(chassisId: string): ChassisState {
    return {
      chassisId,
      epoch: 0,
      generation: 0,
      vpcs: [{ vpcId: 'v1', vni: 7, cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1' }],
      ports: [...(this.ports.get(chassisId) ?? [])],
      remotePorts: [],
      changes: [],
    };
  }

  loadDelta(chassisId: string, rows: readonly PendingChange[]) {
    const ids = new Set(rows.map((r) => r.interfaceId));
    return Promise.resolve({
      vpcs: [],
      ports: (this.ports.get(chassisId) ?? []).filter((p) => ids.has(p.interfaceId)),
      remotePorts: [],
      removedVpcs: [],
      removedPorts: [],
      removedRemotePorts: [],
      fullWanted: false,
      hvflowdAddr: this.addresses.get(chassisId) ?? `${chassisId}:50053`,
    });
  }

  recordRefused(chassisId: string, _epoch: number, changes: readonly number[]) {
    this.refused.push({ chassisId, changes });
    return Promise.resolve();
  }

  reportedContent(chassisId: string) {
    return Promise.resolve(this.reported.get(chassisId));
  }

  hvflowdAddr(chassisId: string) {
    if (this.gone.has(chassisId)) return Promise.resolve(undefined);
    return Promise.resolve(this.addresses.get(chassisId) ?? `${chassisId}:50053`);
  }
}

export class FakePublisher implements ConvergePublisher {
  readonly sent: { message: Outgoing; attempt: number }[] = [];
  failing = false;
  refuse: string | undefined;

  /** While set, publishes are recorded at once but confirmed only when it resolves. */
  confirmGate: Promise<void> | undefined;

  async publish(message: Outgoing, attempt: number): Promise<PublishOutcome> {
    if (this.failing) throw new Error('broker unreachable');
    if (this.refuse) return { refused: this.refuse };
    this.sent.push({ message, attempt });
    await this.confirmGate;
    return { sent: true };
  }

  get last() {
    return this.sent.at(-1)!;
  }
}
