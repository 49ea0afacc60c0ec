import { GCProfiler, getHeapSpaceStatistics, type GCProfilerResult } from 'node:v8';

type HeapSpaces = GCProfilerResult['statistics'][number]['beforeGC']['heapSpaceStatistics'];

/** What a process's heap has done since its counter started; every figure only grows. */
export interface HeapCounts {
  /** Bytes allocated in the young generation (new space and its large objects). */
  readonly allocatedBytes: number;
  /** Bytes young-generation collections moved to the old generation: objects that outlived one. */
  readonly promotedBytes: number;
  /** Time the main thread spent in garbage collections, microseconds (V8's cost of each). */
  readonly gcMicros: number;
}

const youngSpaces = new Set(['new_space', 'new_large_object_space']);

function used(spaces: HeapSpaces): { young: number; old: number } {
  let young = 0;
  let old = 0;
  for (const s of spaces) {
    if (youngSpaces.has(s.spaceName)) young += s.spaceUsedSize;
    else old += s.spaceUsedSize;
  }
  return { young, old };
}

/** The young generation's use now, by `v8.getHeapSpaceStatistics`. */
function youngUsedNow(): number {
  let young = 0;
  for (const s of getHeapSpaceStatistics()) {
    if (youngSpaces.has(s.space_name)) young += s.space_used_size;
  }
  return young;
}

/**
 * Counts a process's allocation, promotion and GC time from V8's GC profiler (`v8.GCProfiler`):
 * the young generation's use before each collection, less its use after the one before, is what
 * was allocated in between; what the old generation gained in a young collection is what was
 * promoted. Figures per call that do not depend on the machine's speed, unlike CPU time.
 * Allocations V8 makes straight in the old generation (pretenured) are not counted.
 */
export class HeapCounter {
  private readonly profiler = new GCProfiler();
  private allocated = 0;
  private promoted = 0;
  private gcMicros = 0;
  private youngAfterLastGc: number;

  constructor(private readonly youngUsed: () => number = youngUsedNow) {
    this.youngAfterLastGc = youngUsed();
    this.profiler.start();
  }

  /** The counts so far, including what is allocated since the last collection. */
  sample(): HeapCounts {
    const result = this.profiler.stop();
    this.profiler.start();
    for (const gc of result?.statistics ?? []) {
      const before = used(gc.beforeGC.heapSpaceStatistics);
      const after = used(gc.afterGC.heapSpaceStatistics);
      this.allocated += Math.max(0, before.young - this.youngAfterLastGc);
      this.youngAfterLastGc = after.young;
      if (gc.gcType === 'Scavenge' || gc.gcType === 'MinorMarkSweep') {
        this.promoted += Math.max(0, after.old - before.old);
      }
      this.gcMicros += gc.cost;
    }
    return {
      allocatedBytes: this.allocated + Math.max(0, this.youngUsed() - this.youngAfterLastGc),
      promotedBytes: this.promoted,
      gcMicros: this.gcMicros,
    };
  }
}
