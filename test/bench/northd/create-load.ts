import { randomUUID } from 'node:crypto';
import { codeName, RpcError, type NorthdClients } from '@vpcd/rpc';
import { summarizeLatency, type LatencySummary } from '../common/latency-summary.js';
import { LatencyRecorder } from '../common/stats.js';

export interface CreateLoadOptions {
  /** The API of call i. */
  readonly api: (i: number) => NorthdClients;
  readonly vpcIds: readonly string[];
  readonly chassisIds: readonly string[];
  /** Calls kept outstanding: each completion starts the next call (closed loop). */
  readonly concurrency: number;
  /** No call starts after this long; the ones in flight are awaited and counted. */
  readonly durationMs: number;
  /**
   * The chassis each VPC's interfaces may go to, by the VPC's index in `vpcIds`; absent, every
   * VPC uses all of `chassisIds`.
   */
  readonly chassisByVpc?: readonly (readonly string[])[];
  /** Names are `<namePrefix>-<i>`, unique in their VPC; default `load`. */
  readonly namePrefix?: string;
  /** Told the id of every interface a call created, e.g. to delete them after the load. */
  readonly onCreated?: (interfaceId: string) => void;
}

export interface CreateLoadResult {
  /** Calls that succeeded, and their latency. */
  readonly ok: LatencySummary;
  /** Failed calls by gRPC code name (`Unavailable`, ...); empty when none failed. */
  readonly errors: Readonly<Record<string, number>>;
  /** From the first call's start to the last call's end. */
  readonly elapsedMs: number;
  /** Successful calls per second of elapsed time. */
  readonly callsPerSecond: number;
}

/**
 * CreateInterface in a closed loop, each call with a fresh request_id as vpcctl sends, call i in
 * VPC i mod V on chassis floor(i / V) mod C of that VPC's chassis (by default every chassis, so
 * every VPC meets every chassis). Each call is timed from just before it is issued to its answer.
 */
export async function runCreateLoad(options: CreateLoadOptions): Promise<CreateLoadResult> {
  const { vpcIds, chassisIds } = options;
  const recorder = new LatencyRecorder(1 << 16);
  const errors: Record<string, number> = {};
  const startMs = performance.now();
  const stopMs = startMs + options.durationMs;
  let next = 0;
  let lastEndMs = startMs;
  const worker = async () => {
    while (performance.now() < stopMs) {
      const i = next++;
      const v = i % vpcIds.length;
      const chassis = options.chassisByVpc?.[v] ?? chassisIds;
      const callStartMs = performance.now();
      try {
        const created = await options.api(i).interfaces.createInterface({
          vpcId: vpcIds[v] as string,
          chassisId: chassis[Math.floor(i / vpcIds.length) % chassis.length] as string,
          name: `${options.namePrefix ?? 'load'}-${i}`,
          ip: '',
          mac: '',
          requestId: randomUUID(),
        });
        recorder.record(performance.now() - callStartMs);
        options.onCreated?.(created.id);
      } catch (err: unknown) {
        const code = codeName(RpcError.from(err).code);
        errors[code] = (errors[code] ?? 0) + 1;
      }
      lastEndMs = Math.max(lastEndMs, performance.now());
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsedMs = lastEndMs - startMs;
  const ok = summarizeLatency(recorder);
  return { ok, errors, elapsedMs, callsPerSecond: ok.count / (elapsedMs / 1000) };
}
