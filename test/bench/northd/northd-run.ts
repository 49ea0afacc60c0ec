import { loadavg } from 'node:os';
import { measureChangeLatency, type ChangeLatencyResult } from './change-latency.js';
import { measureConvergePasses, type ConvergeResult } from './converge-pass.js';
import { measureCreateThroughput, type CreateThroughputResult } from './create-throughput.js';
import { describeMachine, type Machine } from '../common/machine.js';
import type { NorthdBenchOptions } from './northd-args.js';
import { startBenchCluster } from './northd-cluster.js';
import { createProject } from './northd-fixtures.js';
import { measureSyncInitial, type SyncInitialResult } from './sync-initial.js';

/** Everything one run of the northd benchmark measured. */
export interface NorthdRun {
  readonly startedAt: Date;
  readonly machine: Machine;
  readonly command: string;
  readonly options: NorthdBenchOptions;
  readonly instances: number;
  /** The database server's SELECT VERSION(). */
  readonly databaseVersion: string;
  readonly latency: ChangeLatencyResult;
  readonly create: CreateThroughputResult;
  readonly sync: SyncInitialResult;
  readonly converge: ConvergeResult;
  /** Converge messages the fake southd acknowledged over the whole run. */
  readonly fakeSouthdAcks: number;
  /** Lines each instance logged while starting and once ready (LOG_LEVEL=warn). */
  readonly logLines: Readonly<Record<string, { starting: number; ready: number }>>;
  readonly wallSeconds: number;
  /** The machine's 1-minute load average when the run started and when it ended. */
  readonly loadAverage: { readonly start: number; readonly end: number };
}

const instances = 2;

function step(text: string): void {
  process.stderr.write(`northd bench: ${text}\n`);
}

/**
 * Starts the cluster, runs the measurements one after another (each on its own chassis and
 * VPCs, idle figures first), and removes the cluster, whatever happens.
 */
export async function runNorthdBench(
  options: NorthdBenchOptions,
  command: string,
): Promise<NorthdRun> {
  const startedAt = new Date();
  const loadAtStart = loadavg()[0] ?? NaN;
  const startMs = performance.now();
  step(`starting ${instances} northd processes, a throwaway database and vhost`);
  const cluster = await startBenchCluster(instances);
  // Ctrl-C still removes the processes, the database and the vhost.
  const onSignal = (signal: NodeJS.Signals) => {
    step(`${signal}: stopping`);
    void cluster.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const [server] = await cluster.db.query<{ version: string }>('SELECT VERSION() AS version');
    const projectId = await createProject(cluster, 'bench');
    step(`change -> ACTIVE at idle, ${options.latencySamples} samples`);
    const latency = await measureChangeLatency(cluster, projectId, options.latencySamples);
    step(`CreateInterface, ${options.concurrency} outstanding for ${options.createSeconds} s`);
    const create = await measureCreateThroughput(cluster, projectId, {
      vpcs: options.vpcs,
      chassis: options.chassis,
      concurrency: options.concurrency,
      durationMs: options.createSeconds * 1000,
    });
    step(`SyncInitialChassis of ${options.syncInterfaces} interfaces, ${options.syncCalls} calls`);
    const sync = await measureSyncInitial(
      cluster,
      projectId,
      options.syncInterfaces,
      options.syncCalls,
    );
    step(`${options.convergePasses} converge passes over ${options.convergeChassis} chassis`);
    const converge = await measureConvergePasses(
      cluster,
      projectId,
      {
        chassis: options.convergeChassis,
        interfacesPerChassis: options.interfacesPerChassis,
        chassisPerVpc: options.chassisPerVpc,
      },
      options.convergePasses,
    );
    return {
      startedAt,
      machine: describeMachine(),
      command,
      options,
      instances,
      databaseVersion: server?.version ?? 'unknown',
      latency,
      create,
      sync,
      converge,
      fakeSouthdAcks: cluster.fakeSouthd.acked,
      logLines: Object.fromEntries(cluster.northd.map((p) => [p.id, { ...p.logLines }])),
      wallSeconds: (performance.now() - startMs) / 1000,
      loadAverage: { start: loadAtStart, end: loadavg()[0] ?? NaN },
    };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    step('stopping; dropping the database and the vhost');
    await cluster.stop();
  }
}
