import { readFile, writeFile } from 'node:fs/promises';

/** Resident memory of one process, bytes, as /proc/<pid>/status tells it. */
export interface ProcessMemory {
  /** VmRSS: resident now. */
  readonly rssBytes: number;
  /** VmHWM: the largest VmRSS since the process started, or since its peak was last reset. */
  readonly peakBytes: number;
}

/** VmRSS and VmHWM of a /proc/<pid>/status text (the kernel writes them in kB); throws without them. */
export function parseProcStatus(text: string): ProcessMemory {
  const kB = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(text);
    if (!match) throw new Error(`no ${field} line in /proc/<pid>/status`);
    return Number(match[1]) * 1024;
  };
  return { rssBytes: kB('VmRSS'), peakBytes: kB('VmHWM') };
}

/** The memory of process `pid` now. */
export async function readProcessMemory(pid: number): Promise<ProcessMemory> {
  return parseProcStatus(await readFile(`/proc/${pid}/status`, 'utf8'));
}

/**
 * Resets the process' VmHWM to its VmRSS (writing 5 to /proc/<pid>/clear_refs, Linux 4.0+), so
 * the next peak is that of what follows. Resolves false where the kernel or permissions refuse:
 * the peak then counts from the process' start.
 */
export async function resetPeak(pid: number): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** The memory figures of one service process over a sustained load. */
export interface MemoryRow {
  readonly service: string;
  /** VmRSS when the load started. */
  readonly startRssBytes: number;
  /** After the first third of the load: VmRSS, and the peak since the load started. */
  readonly third: ProcessMemory;
  /** At the end of the load: VmRSS, and the peak since the load started. */
  readonly end: ProcessMemory;
  /** The peak was reset when the load started; false: peaks count from the process' start. */
  readonly peakReset: boolean;
}

/** Growth of the peak from the first third to the end, bytes and as a share of the first. */
export function peakGrowth(row: MemoryRow): { bytes: number; share: number } {
  const bytes = row.end.peakBytes - row.third.peakBytes;
  return { bytes, share: row.third.peakBytes > 0 ? bytes / row.third.peakBytes : NaN };
}

export interface MemoryProbe {
  readonly service: string;
  readonly pid: number;
}

/**
 * Samples the memory of `probes` over a load: atStart() when it begins (resets the peaks),
 * atThird() after its first third, atEnd() when it ends; then rows() has one row per process.
 */
export class MemorySampler {
  private readonly start = new Map<string, { rssBytes: number; reset: boolean }>();
  private readonly thirds = new Map<string, ProcessMemory>();
  private readonly ends = new Map<string, ProcessMemory>();

  constructor(private readonly probes: readonly MemoryProbe[]) {}

  async atStart(): Promise<void> {
    for (const p of this.probes) {
      const reset = await resetPeak(p.pid);
      this.start.set(p.service, { rssBytes: (await readProcessMemory(p.pid)).rssBytes, reset });
    }
  }

  async atThird(): Promise<void> {
    for (const p of this.probes) this.thirds.set(p.service, await readProcessMemory(p.pid));
  }

  async atEnd(): Promise<void> {
    for (const p of this.probes) this.ends.set(p.service, await readProcessMemory(p.pid));
  }

  /** One row per process sampled at all three points. */
  rows(): MemoryRow[] {
    return this.probes.flatMap(({ service }) => {
      const start = this.start.get(service);
      const third = this.thirds.get(service);
      const end = this.ends.get(service);
      if (!start || !third || !end) return [];
      return [{ service, startRssBytes: start.rssBytes, third, end, peakReset: start.reset }];
    });
  }
}
