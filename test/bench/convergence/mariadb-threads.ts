import { readdirSync, readFileSync } from 'node:fs';
import type { Queryable } from '@vpcd/db';
import { parseProcStatTicks, ticksToMs } from './process-cpu.js';

/** The CPU time of MariaDB's threads split by whose work they did, ms. */
export interface MariadbCpu {
  /** Threads of connections to the benchmark's database, and MariaDB's own (InnoDB, ...). */
  readonly ours: number;
  /** Threads seen serving a connection to another database: other work on a shared server. */
  readonly others: number;
}

const classifyIntervalMs = 200;

/** CPU time of every thread of `pid`, ms, by thread id. */
function threadCpu(pid: number): Map<number, number> {
  const cpu = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return cpu;
  }
  for (const tid of tids) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      cpu.set(Number(tid), ticksToMs(parseProcStatTicks(text)));
    } catch {
      // The thread ended while the list was read.
    }
  }
  return cpu;
}

/**
 * Splits the CPU time of a MariaDB server shared with other work, thread by thread: with
 * one thread per connection, `information_schema.processlist.TID` names the thread that serves
 * each connection, so a thread ever seen serving a connection to another database (the list is
 * read every 200 ms over the window) counts as `others`; every other thread (connections to
 * this database, background threads such as InnoDB's purge and log writer, idle cached ones)
 * counts as `ours`. On a machine where only the benchmark uses MariaDB, `others` is about 0.
 */
export class MariadbThreads {
  private readonly foreign = new Set<number>();
  private before = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private classifying: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Queryable,
    private readonly pids: readonly number[],
  ) {}

  private async classify(): Promise<void> {
    const rows = await this.db.query<{ tid: number | null; own: number }>(
      `SELECT TID AS tid, COALESCE(DB = DATABASE(), 0) AS own
       FROM information_schema.processlist WHERE TID IS NOT NULL`,
    );
    for (const r of rows)
      if (Number(r.own) !== 1 && r.tid !== null) this.foreign.add(Number(r.tid));
  }

  private all(): Map<number, number> {
    const cpu = new Map<number, number>();
    for (const pid of this.pids) for (const [tid, ms] of threadCpu(pid)) cpu.set(tid, ms);
    return cpu;
  }

  /** Starts a window: reads every thread's CPU time and starts classifying connections. */
  async start(): Promise<void> {
    this.foreign.clear();
    await this.classify();
    this.before = this.all();
    this.timer = setInterval(() => {
      this.classifying = this.classifying.then(() => this.classify()).catch(() => undefined);
    }, classifyIntervalMs);
  }

  /** Ends the window: the CPU time used since start(), split. */
  async stop(): Promise<MariadbCpu> {
    clearInterval(this.timer);
    await this.classifying;
    await this.classify();
    let ours = 0;
    let others = 0;
    for (const [tid, ms] of this.all()) {
      const used = ms - (this.before.get(tid) ?? 0);
      if (this.foreign.has(tid)) others += used;
      else ours += used;
    }
    return { ours, others };
  }
}
