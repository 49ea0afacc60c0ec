import type { VpcServiceClient } from '@vpcd/api';
import type { ServerStats, UsageSample, Variant } from './bench-service.js';
import { benchClient, runLoad, waitForReady, type LoadResult } from './load.js';
import { machineCpu, otherCores, type MachineCpu } from './machine-load.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

/** The figures of one variant in one round, all measured over the same window. */
export interface RoundResult {
  readonly variant: Variant;
  readonly round: number;
  readonly calls: number;
  readonly elapsedMs: number;
  readonly callsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Server process CPU time (all threads) per call, microseconds. */
  readonly serverCpuMicrosPerCall: number;
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
  readonly variant: Variant;
  readonly round: number;
  readonly concurrency: number;
  readonly warmupSeconds: number;
  readonly measureSeconds: number;
  readonly cpuProfDir: string | undefined;
}

interface Window {
  readonly load: LoadResult;
  readonly warmupCalls: number;
  readonly before: UsageSample;
  readonly after: UsageSample;
  readonly clientCpuMicros: number;
  readonly machineBefore: MachineCpu;
  readonly machineAfter: MachineCpu;
}

async function warmUpAndMeasure(
  client: VpcServiceClient,
  server: ServerProcess,
  options: RoundOptions,
): Promise<Window> {
  const { concurrency } = options;
  await waitForReady(client, 10_000);
  let warmupCalls = 0;
  if (options.warmupSeconds > 0) {
    const warmupMs = options.warmupSeconds * 1000;
    warmupCalls = (await runLoad({ client, concurrency, durationMs: warmupMs })).calls;
  }
  const before = await server.usage();
  const machineBefore = machineCpu();
  const clientCpuBefore = process.cpuUsage();
  const load = await runLoad({ client, concurrency, durationMs: options.measureSeconds * 1000 });
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const machineAfter = machineCpu();
  const after = await server.usage();
  const clientCpuMicros = clientCpu.user + clientCpu.system;
  return { load, warmupCalls, before, after, clientCpuMicros, machineBefore, machineAfter };
}

/** Starts a fresh server child, warms it up, measures it, and stops it. */
export async function measureRound(options: RoundOptions): Promise<RoundResult> {
  const { variant, round } = options;
  const server = await startServerProcess({
    variant,
    cpuProfDir: options.cpuProfDir,
    profileName: `${variant}-round${round}`,
  });
  const client = benchClient(server.port);
  let window: Window;
  try {
    window = await warmUpAndMeasure(client, server, options);
  } catch (err) {
    server.kill();
    throw err;
  } finally {
    client.close();
  }
  const serverStats = await server.stop();
  const { load, before, after } = window;
  const serverCpuMicros = after.cpuMicros - before.cpuMicros;
  const wallMs = after.eluActiveMs + after.eluIdleMs - (before.eluActiveMs + before.eluIdleMs);
  return {
    variant,
    round,
    calls: load.calls,
    elapsedMs: load.elapsedMs,
    callsPerSecond: load.callsPerSecond,
    p50Ms: load.p50Ms,
    p99Ms: load.p99Ms,
    serverCpuMicrosPerCall: serverCpuMicros / load.calls,
    serverCpuShare: serverCpuMicros / 1000 / wallMs,
    serverEventLoopShare: (after.eluActiveMs - before.eluActiveMs) / wallMs,
    clientCpuShare: window.clientCpuMicros / 1000 / load.elapsedMs,
    otherCores: otherCores(
      window.machineBefore,
      window.machineAfter,
      (serverCpuMicros + window.clientCpuMicros) / 1000,
      wallMs,
    ),
    serverStats,
    callsSent: window.warmupCalls + load.calls,
  };
}
