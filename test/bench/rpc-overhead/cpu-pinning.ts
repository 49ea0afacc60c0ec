import { execFileSync } from 'node:child_process';

/** The cores the load generator and the server children run on, each its own. */
export interface Pinning {
  readonly clientCpu: number;
  readonly serverCpu: number;
}

/**
 * Parses taskset's affinity list ("0,1", "0-3,8") into CPU numbers, ascending; throws on
 * anything else, so a changed output format is not read as no CPUs.
 */
export function parseCpuList(list: string): number[] {
  const cpus = new Set<number>();
  for (const part of list.trim().split(',')) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (range === null) throw new Error(`not a CPU list: ${JSON.stringify(list)}`);
    const first = Number(range[1]);
    const last = Number(range[2] ?? range[1]);
    for (let cpu = first; cpu <= last; cpu++) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** Two different allowed CPUs, the first for the client; undefined with fewer than two. */
export function choosePinning(allowed: readonly number[]): Pinning | undefined {
  const [clientCpu, serverCpu] = allowed;
  return clientCpu === undefined || serverCpu === undefined ? undefined : { clientCpu, serverCpu };
}

/**
 * Pins this process (every thread) to one CPU and returns the CPU left for the server children,
 * which startServerProcess runs under `taskset`. Unpinned, the scheduler moves the client and
 * the servers between the cores: three runs put the rpc server's CPU time per call at 1.14, 1.24
 * and 1.11 times bare's; pinned, at 1.28, 1.28 and 1.27. Both variants run on the same core. Returns undefined, pinning nothing, where taskset is missing or
 * fewer than two CPUs are allowed.
 */
export function pinLoadGenerator(): Pinning | undefined {
  let allowed: number[];
  try {
    const out = execFileSync('taskset', ['-c', '-p', String(process.pid)], { encoding: 'utf8' });
    allowed = parseCpuList(out.slice(out.lastIndexOf(':') + 1));
  } catch {
    return undefined;
  }
  const pinning = choosePinning(allowed);
  if (pinning === undefined) return undefined;
  execFileSync('taskset', ['-a', '-c', '-p', String(pinning.clientCpu), String(process.pid)], {
    stdio: 'ignore',
  });
  return pinning;
}
