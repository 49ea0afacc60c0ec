import { setTimeout as sleep } from 'node:timers/promises';
import { InterfaceStatus } from '@vpcd/api';
import { summarizeLatency, type LatencySummary } from '../common/latency-summary.js';
import type { NorthdClients } from '@vpcd/rpc';
import { LatencyRecorder } from '../common/stats.js';

/** Change -> ACTIVE through the whole region: API, converge loop, RabbitMQ, southd, hvflowd, ack. */
export interface ActiveLatency {
  /** CreateInterface sent -> the first GetInterface that answers ACTIVE. */
  readonly active: LatencySummary;
  /** CreateInterface answered -> the first GetInterface that answers ACTIVE, same samples. */
  readonly answeredToActive: LatencySummary;
  /** CreateInterface calls that succeeded (ACTIVE in time or not). */
  readonly created: number;
  /** Samples not ACTIVE within `timeoutMs` (not in the figures). */
  readonly timedOut: number;
  /** Samples whose CreateInterface or GetInterface failed (not in the figures). */
  readonly failed: number;
  readonly timeoutMs: number;
  /** Pause between two GetInterface polls, ms. */
  readonly pollIntervalMs: number;
}

export interface ActiveLatencyOptions {
  /** The API of the instance to use for sample `s` (they take turns). */
  readonly api: (s: number) => NorthdClients;
  readonly vpcId: string;
  /** Chassis the interfaces go to, in turn. */
  readonly chassisIds: readonly string[];
  /** Names the interfaces `<namePrefix>-<s>`, unique in the VPC. */
  readonly namePrefix: string;
  /** Samples to take; absent, until `signal` aborts. */
  readonly samples?: number;
  readonly signal?: AbortSignal;
  /** Runs before each sample, off the clock (at idle: wait for the chassis to converge). */
  readonly beforeEach?: () => Promise<void>;
  /** Pause between two GetInterface polls, ms; default 2. */
  readonly pollIntervalMs?: number;
}

const defaultPollIntervalMs = 2;
const timeoutMs = 10_000;

/**
 * Creates interfaces one after another and times each from its CreateInterface until a
 * GetInterface on the same instance (polled `pollIntervalMs`, default 2 ms, after the previous
 * answer) says ACTIVE: its chassis acknowledged a generation that includes it.
 */
export async function sampleChangeToActive(o: ActiveLatencyOptions): Promise<ActiveLatency> {
  const pollIntervalMs = o.pollIntervalMs ?? defaultPollIntervalMs;
  const recorder = new LatencyRecorder(1024);
  const fromAnswer = new LatencyRecorder(1024);
  let created = 0;
  let timedOut = 0;
  let failed = 0;
  const more = (s: number) =>
    o.samples !== undefined ? s < o.samples : !(o.signal?.aborted ?? false);
  for (let s = 0; more(s); s++) {
    await o.beforeEach?.();
    const api = o.api(s);
    const startMs = performance.now();
    try {
      const iface = await api.interfaces.createInterface({
        vpcId: o.vpcId,
        chassisId: o.chassisIds[s % o.chassisIds.length]!,
        name: `${o.namePrefix}-${s}`,
        ip: '',
        mac: '',
        requestId: '',
      });
      const answeredMs = performance.now();
      created++;
      let status = iface.status;
      while (status !== InterfaceStatus.INTERFACE_STATUS_ACTIVE) {
        if (performance.now() - startMs > timeoutMs) break;
        await sleep(pollIntervalMs);
        status = (await api.interfaces.getInterface({ id: iface.id })).status;
      }
      if (status === InterfaceStatus.INTERFACE_STATUS_ACTIVE) {
        const activeMs = performance.now();
        recorder.record(activeMs - startMs);
        fromAnswer.record(activeMs - answeredMs);
      } else {
        timedOut++;
      }
    } catch {
      // Under load a call may miss its deadline: counted, and the next sample goes on.
      failed++;
    }
  }
  return {
    active: summarizeLatency(recorder),
    answeredToActive: summarizeLatency(fromAnswer),
    created,
    timedOut,
    failed,
    timeoutMs,
    pollIntervalMs,
  };
}
