import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ServerReport, ServerStats, UsageSample, Variant } from './bench-service.js';

const serverScript = fileURLToPath(new URL('./bench-server.js', import.meta.url));
const startTimeoutMs = 15_000;
const stopTimeoutMs = 30_000;

/** A server child seen from the parent. */
export interface ServerProcess {
  readonly port: number;
  readonly pid: number;
  /** The child's cumulative CPU time and event-loop utilization, sampled now. */
  usage(): Promise<UsageSample>;
  /** SIGTERM, then the child's report of the work it did; resolves once it has exited. */
  stop(): Promise<ServerStats>;
  /** SIGKILL, for when a measurement failed. */
  kill(): void;
}

export interface ServerProcessOptions {
  readonly variant: Variant;
  /** When set, the child runs with --cpu-prof and writes `<name>.cpuprofile` here. */
  readonly cpuProfDir?: string | undefined;
  /** The profile's file name, without extension. */
  readonly profileName?: string;
  /** When set, the child runs on this CPU only (under `taskset`, every thread). */
  readonly cpu?: number | undefined;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves the next stdout report of `type`; rejects if the child exits first. */
function nextReport<T extends ServerReport['type']>(
  child: ChildProcess,
  reports: AsyncIterator<string>,
  type: T,
): Promise<Extract<ServerReport, { type: T }>> {
  const read = async (): Promise<Extract<ServerReport, { type: T }>> => {
    for (;;) {
      const line = await reports.next();
      if (line.done) throw new Error(`server child ${child.pid} exited before reporting ${type}`);
      const report = JSON.parse(line.value) as ServerReport;
      if (report.type === type) return report as Extract<ServerReport, { type: T }>;
    }
  };
  return read();
}

/** Starts `bench-server.js --variant <variant>` in its own process and waits for its port. */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const profile =
    options.cpuProfDir === undefined
      ? []
      : [
          '--cpu-prof',
          `--cpu-prof-dir=${options.cpuProfDir}`,
          `--cpu-prof-name=${options.profileName ?? options.variant}.cpuprofile`,
        ];
  const node = [process.execPath, ...profile, serverScript, '--variant', options.variant];
  // taskset sets the affinity and execs node in the same process: the child's pid is node's.
  const [command, ...args] =
    options.cpu === undefined ? node : ['taskset', '-c', String(options.cpu), ...node];
  const child = spawn(command as string, args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (child.stdout === null) throw new Error('server child has no stdout pipe');
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let listening: Extract<ServerReport, { type: 'listening' }>;
  try {
    listening = await withTimeout(
      nextReport(child, lines, 'listening'),
      startTimeoutMs,
      `starting the ${options.variant} server`,
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }

  const usage = (): Promise<UsageSample> =>
    withTimeout(
      new Promise<UsageSample>((resolve) => {
        const onMessage = (message: UsageSample) => {
          if (message.type !== 'usage') return;
          child.off('message', onMessage);
          resolve(message);
        };
        child.on('message', onMessage);
        child.send({ type: 'usage' });
      }),
      stopTimeoutMs,
      'sampling the server usage',
    );

  const stop = async (): Promise<ServerStats> => {
    const stopped = nextReport(child, lines, 'stopped');
    child.kill('SIGTERM');
    try {
      const report = await withTimeout(
        stopped,
        stopTimeoutMs,
        `stopping the ${options.variant} server`,
      );
      const code = await withTimeout(exited, stopTimeoutMs, 'the server exit');
      if (code !== 0) throw new Error(`server child exited with ${String(code)}`);
      return report.stats;
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
  };
  const kill = () => {
    child.kill('SIGKILL');
  };
  return { port: listening.port, pid: child.pid ?? -1, usage, stop, kill };
}
