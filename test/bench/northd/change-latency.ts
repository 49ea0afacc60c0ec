import { setTimeout as sleep } from 'node:timers/promises';
import { InterfaceStatus } from '@vpcd/api';
import { underlayIpOf } from './bulk-insert.js';
import { summarizeLatency, type LatencySummary } from '../common/latency-summary.js';
import type { BenchCluster } from './northd-cluster.js';
import { createVpcs, registerChassis, waitConverged } from './northd-fixtures.js';
import { LatencyRecorder } from '../common/stats.js';

export interface ChangeLatencyResult {
  /** CreateInterface call start -> the first GetInterface that answers ACTIVE. */
  readonly active: LatencySummary;
  /** The CreateInterface call alone, of the same samples. */
  readonly create: LatencySummary;
  /** CreateInterface answered -> the fake southd received a state that includes the interface. */
  readonly toSouthd: LatencySummary;
  /** That delivery -> the broker confirmed the fake southd's ack. */
  readonly ackConfirm: LatencySummary;
  /** Ack confirmed -> GetInterface answered ACTIVE (northd records the ack; one poll). */
  readonly toActive: LatencySummary;
  /** Pause between two GetInterface polls, ms: the resolution with one poll's round trip. */
  readonly pollIntervalMs: number;
  /** Samples that were not ACTIVE within `timeoutMs` (not in the figures). */
  readonly timedOut: number;
  readonly timeoutMs: number;
}

const prefix = 'lat-';
const pollIntervalMs = 2;
const timeoutMs = 10_000;

/**
 * The data path of one change at idle: before each sample every chassis has acknowledged its
 * state; then an interface is created (taking turns between the instances and between two
 * chassis sharing one VPC, so each change re-converges both) and polled with GetInterface on
 * the same instance until it is ACTIVE, i.e. its chassis' ack reached northd.
 */
export async function measureChangeLatency(
  cluster: BenchCluster,
  projectId: string,
  samples: number,
): Promise<ChangeLatencyResult> {
  const chassisIds = [`${prefix}hv1`, `${prefix}hv2`];
  await registerChassis(cluster, chassisIds, (i) => underlayIpOf(60_000 + i));
  const [vpc] = await createVpcs(cluster, projectId, [{ name: 'latency', cidr: '10.100.0.0/16' }]);
  const active = new LatencyRecorder(samples);
  const create = new LatencyRecorder(samples);
  const stages = [0, 1, 2].map(() => new LatencyRecorder(samples));
  let timedOut = 0;
  for (let s = 0; s < samples; s++) {
    await waitConverged(cluster, 30_000, prefix);
    const api = cluster.api(s);
    const startMs = performance.now();
    const created = await api.interfaces.createInterface({
      vpcId: vpc!.id,
      chassisId: chassisIds[s % chassisIds.length]!,
      name: `latency-${s}`,
      ip: '',
      mac: '',
      requestId: '',
    });
    const createdAtMs = performance.now();
    create.record(createdAtMs - startMs);
    let status = created.status;
    while (status !== InterfaceStatus.INTERFACE_STATUS_ACTIVE) {
      if (performance.now() - startMs > timeoutMs) break;
      await sleep(pollIntervalMs);
      status = (await api.interfaces.getInterface({ id: created.id })).status;
    }
    const activeAtMs = performance.now();
    if (status !== InterfaceStatus.INTERFACE_STATUS_ACTIVE) {
      timedOut++;
      continue;
    }
    active.record(activeAtMs - startMs);
    const receipt = cluster.fakeSouthd.receiptOf(created.chassisId, created.generation);
    if (receipt && Number.isFinite(receipt.ackedAtMs)) {
      stages[0]!.record(receipt.receivedAtMs - createdAtMs);
      stages[1]!.record(receipt.ackedAtMs - receipt.receivedAtMs);
      stages[2]!.record(activeAtMs - receipt.ackedAtMs);
    }
  }
  return {
    active: summarizeLatency(active),
    create: summarizeLatency(create),
    toSouthd: summarizeLatency(stages[0]!),
    ackConfirm: summarizeLatency(stages[1]!),
    toActive: summarizeLatency(stages[2]!),
    pollIntervalMs,
    timedOut,
    timeoutMs,
  };
}
