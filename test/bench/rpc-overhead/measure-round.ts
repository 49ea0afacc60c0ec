import type { VpcServiceClient } from '@vpcd/api';
import type { ServerStats, Variant } from './bench-service.js';
import { benchClient, runLoad, waitForReady } from './load.js';
import { machineCpu, otherCores } from '../common/machine-load.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { LatencyRecorder, percentile } from '../common/stats.js';

/** The figures of one variant in one round, summed over its slices of the round. */
export interface RoundResult {
  readonly variant: Variant;
  readonly round: number;
  /** Measured slices this variant's figures add up. */
  readonly slices: number;
  readonly calls: number;
  readonly elapsedMs: number;
  readonly callsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Server process CPU time (all threads) per call, microseconds. */
  readonly serverCpuMicrosPerCall: number;
  /** Bytes the server allocated per call (young generation), and promoted to the old one. */
  readonly allocatedBytesPerCall: number;
  readonly promotedBytesPerCall: number;
  /** The server's main thread in garbage collection per call, microseconds. */
  readonly gcMicrosPerCall: number;
  /** Server process CPU time over wall time: 1 is one core busy. */
  readonly serverCpuShare: number;
  /** Busy share of the server's event loop. */
  readonly serverEventLoopShare: number;
  /** Load generator (this process) CPU time over wall time. */
  readonly clientCpuShare: number;
  /** CPU used by other processes on the machine meanwhile, in cores; should be near 0. */
  readonly otherCores: number;
  /** Calls the server answered, warm-up included, and what its instrumentation recorded. */
  readonly serverStats: ServerStats;
  /** Calls this process completed, warm-up included; compare with serverStats. */
  readonly callsSent: number;
}

export interface RoundOptions {
  readonly round: number;
  /** The variants, the one measured first first. */
  readonly order: readonly [Variant, Variant];
  readonly concurrency: number;
  readonly warmupSeconds: number;
  /** Measured seconds per variant in the round, split into slices. */
  readonly measureSeconds: number;
  /** Length of one slice: the variants take turns at this pace. */
  readonly sliceSeconds: number;
  readonly cpuProfDir: string | undefined;
  /** The CPU the server children run on; undefined leaves them to the scheduler. */
  readonly serverCpu: number | undefined;
}

export interface Slice {
  readonly variant: Variant;
  readonly ms: number;
}

/**
 * The turns of one round: `measureSeconds` per variant cut into equal slices of at most
 * `sliceSeconds`, in pairs that alternate their order (A B, B A, A B, ...), so that a drift of
 * the machine's speed within the round falls on both variants alike.
 */
export function slicePlan(
  order: readonly [Variant, Variant],
  measureSeconds: number,
  sliceSeconds: number,
): Slice[] {
  const count = Math.max(1, Math.ceil(measureSeconds / sliceSeconds - 1e-9));
  const ms = (measureSeconds * 1000) / count;
  const [first, second] = order;
  const plan: Slice[] = [];
  for (let i = 0; i < count; i++) {
    const pair = i % 2 === 0 ? [first, second] : [second, first];
    for (const variant of pair) plan.push({ variant, ms });
  }
  return plan;
}

/** One variant's server, its client, and what its slices measured so far. */
class Contestant {
  readonly recorder = new LatencyRecorder();
  slices = 0;
  calls = 0;
  elapsedMs = 0;
  warmupCalls = 0;
  serverCpuMicros = 0;
  allocatedBytes = 0;
  promotedBytes = 0;
  gcMicros = 0;
  serverWallMs = 0;
  serverActiveMs = 0;
  clientCpuMicros = 0;
  otherCpuMs = 0;

  constructor(
    readonly variant: Variant,
    readonly server: ServerProcess,
    readonly client: VpcServiceClient,
  ) {}

  async warmUp(concurrency: number, seconds: number): Promise<void> {
    await waitForReady(this.client, 10_000);
    if (seconds <= 0) return;
    const load = { client: this.client, concurrency, durationMs: seconds * 1000 };
    this.warmupCalls = (await runLoad(load, new LatencyRecorder(1 << 16))).calls;
  }

  /** Loads this variant's server for one slice and adds up what it cost. */
  async measure(concurrency: number, ms: number): Promise<void> {
    const before = await this.server.usage();
    const machineBefore = machineCpu();
    const clientCpuBefore = process.cpuUsage();
    const load = await runLoad({ client: this.client, concurrency, durationMs: ms }, this.recorder);
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const machineAfter = machineCpu();
    const after = await this.server.usage();
    const serverCpuMicros = after.cpuMicros - before.cpuMicros;
    const clientCpuMicros = clientCpu.user + clientCpu.system;
    const wallMs = after.eluActiveMs + after.eluIdleMs - (before.eluActiveMs + before.eluIdleMs);
    const ownCpuMs = (serverCpuMicros + clientCpuMicros) / 1000;
    this.slices++;
    this.calls += load.calls;
    this.elapsedMs += load.elapsedMs;
    this.serverCpuMicros += serverCpuMicros;
    this.allocatedBytes += after.allocatedBytes - before.allocatedBytes;
    this.promotedBytes += after.promotedBytes - before.promotedBytes;
    this.gcMicros += after.gcMicros - before.gcMicros;
    this.serverWallMs += wallMs;
    this.serverActiveMs += after.eluActiveMs - before.eluActiveMs;
    this.clientCpuMicros += clientCpuMicros;
    this.otherCpuMs += otherCores(machineBefore, machineAfter, ownCpuMs, wallMs) * wallMs;
  }

  result(round: number, serverStats: ServerStats): RoundResult {
    const sorted = this.recorder.sorted();
    return {
      variant: this.variant,
      round,
      slices: this.slices,
      calls: this.calls,
      elapsedMs: this.elapsedMs,
      callsPerSecond: this.calls / (this.elapsedMs / 1000),
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      serverCpuMicrosPerCall: this.serverCpuMicros / this.calls,
      allocatedBytesPerCall: this.allocatedBytes / this.calls,
      promotedBytesPerCall: this.promotedBytes / this.calls,
      gcMicrosPerCall: this.gcMicros / this.calls,
      serverCpuShare: this.serverCpuMicros / 1000 / this.serverWallMs,
      serverEventLoopShare: this.serverActiveMs / this.serverWallMs,
      clientCpuShare: this.clientCpuMicros / 1000 / this.elapsedMs,
      otherCores: this.otherCpuMs / this.serverWallMs,
      serverStats,
      callsSent: this.warmupCalls + this.calls,
    };
  }
}

/**
 * Starts a fresh server child of each variant, warms both up, then loads them in turns (see
 * slicePlan) and stops them. Both wait side by side: the one not loaded is idle, and its few
 * timers count as other processes. Returns the variants' results in `order`.
 */
export async function measureRound(options: RoundOptions): Promise<RoundResult[]> {
  const { round, concurrency } = options;
  const contestants: Contestant[] = [];
  try {
    for (const variant of options.order) {
      const server = await startServerProcess({
        variant,
        cpuProfDir: options.cpuProfDir,
        profileName: `${variant}-round${round}`,
        cpu: options.serverCpu,
      });
      contestants.push(new Contestant(variant, server, benchClient(server.port)));
    }
    for (const c of contestants) await c.warmUp(concurrency, options.warmupSeconds);
    for (const slice of slicePlan(options.order, options.measureSeconds, options.sliceSeconds)) {
      const contestant = contestants.find((c) => c.variant === slice.variant);
      if (contestant === undefined) throw new Error(`no ${slice.variant} server in the round`);
      await contestant.measure(concurrency, slice.ms);
    }
    const results: RoundResult[] = [];
    for (const c of contestants) {
      c.client.close();
      results.push(c.result(round, await c.server.stop()));
    }
    return results;
  } catch (err) {
    // Whatever has not stopped is killed: a failed round leaves no server behind.
    for (const c of contestants) {
      c.client.close();
      c.server.kill();
    }
    throw err;
  }
}
