import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** A process whose CPU time a measurement adds up, under the group it is reported in. */
export interface CpuProbe {
  /** `northd`, `southd`, `hvflowd`, `fleet`, `mariadb`, `rabbitmq`. */
  readonly group: string;
  readonly pid: number;
}

/**
 * utime + stime of a `/proc/<pid>/stat` text (fields 14 and 15, in clock ticks): the CPU time
 * of every thread of the process, children not included. The command name (field 2) may hold
 * spaces and parentheses, so fields are counted from its closing parenthesis.
 */
export function parseProcStatTicks(text: string): number {
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (close === -1 || !Number.isFinite(utime) || !Number.isFinite(stime)) {
    throw new Error('not a /proc/<pid>/stat line');
  }
  return utime + stime;
}

let ticksPerSecond: number | undefined;

/** The kernel's USER_HZ (`getconf CLK_TCK`), 100 where getconf is missing. */
function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      ticksPerSecond = 100;
    }
    if (!Number.isFinite(ticksPerSecond) || ticksPerSecond <= 0) ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

/** Clock ticks of /proc as milliseconds. */
export function ticksToMs(ticks: number): number {
  return (ticks * 1000) / clockTicksPerSecond();
}

/** CPU time process `pid` has used so far, ms; 0 once it is gone. */
export function processCpuMs(pid: number): number {
  try {
    return ticksToMs(parseProcStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')));
  } catch {
    return 0;
  }
}

/**
 * Every process on the machine whose command name (`/proc/<pid>/comm`) is one of `names`,
 * reported as `group`: how the shared MariaDB (`mariadbd`, `mysqld`) and RabbitMQ (`beam.smp`)
 * servers are found, since the benchmark does not start them.
 */
export function probesByName(names: readonly string[], group: string): CpuProbe[] {
  const probes: CpuProbe[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (names.includes(comm)) probes.push({ group, pid: Number(entry) });
    } catch {
      // The process ended while the list was read.
    }
  }
  return probes;
}

/** CPU time by group, ms, at one moment. */
export type CpuSample = ReadonlyMap<string, number>;

/** The CPU time each group of `probes` has used so far. */
export function sampleCpu(probes: readonly CpuProbe[]): CpuSample {
  const sample = new Map<string, number>();
  for (const p of probes) sample.set(p.group, (sample.get(p.group) ?? 0) + processCpuMs(p.pid));
  return sample;
}

/** CPU time each group used from `before` to `after`, ms. */
export function cpuBetween(before: CpuSample, after: CpuSample): Map<string, number> {
  const used = new Map<string, number>();
  for (const [group, ms] of after) used.set(group, ms - (before.get(group) ?? 0));
  return used;
}
