import { HammerError, isHammerError } from '../hammer-error.js';
import { MixPicker, type Mix } from '../mix.js';
import { buildReport } from '../report/build-report.js';
import type { Report } from '../report/report.js';
import type { Target, TargetSummary } from '../target.js';
import { runClosedLoop } from './closed-loop.js';
import { createExecutor } from './executor.js';
import { runOpenLoop } from './open-loop.js';
import type { Progress } from './progress.js';
import { Recorder } from './recorder.js';

export interface HammerOptions {
  /** What to drive, e.g. createGrpcTarget(...). runHammer prepares and closes it. */
  readonly target: Target;
  readonly mix: Mix;
  /** Closed loop: this many callers back to back. The default (10) when ratePerSecond is absent. */
  readonly concurrency?: number;
  /** Open loop: calls started a second, on schedule whatever the latency. */
  readonly ratePerSecond?: number;
  readonly durationMs: number;
  /** Open loop: most calls in flight; later sends wait, and their latency counts it. Default 10,000. */
  readonly maxInFlight?: number;
  /** Called every progressIntervalMs (default 1000) while the load runs. */
  readonly onProgress?: (progress: Progress) => void;
  readonly progressIntervalMs?: number;
  /** Stops the load early; the report covers what ran and says `interrupted`. */
  readonly signal?: AbortSignal;
}

interface Compiled {
  readonly mode: 'closed' | 'open';
  readonly concurrency: number | undefined;
  readonly ratePerSecond: number | undefined;
  readonly maxInFlight: number;
}

function compile(o: HammerOptions): Compiled {
  const problems: string[] = [];
  const unknown = Object.keys(o.mix).filter((c) => !o.target.calls.includes(c));
  if (unknown.length > 0)
    problems.push(`mix: unknown calls ${unknown.join(', ')} (known: ${o.target.calls.join(', ')})`);
  if (Object.values(o.mix).some((w) => !(w > 0))) problems.push('mix: every weight must be > 0');
  if (Object.keys(o.mix).length === 0) problems.push('mix: no calls');
  if (o.concurrency !== undefined && o.ratePerSecond !== undefined)
    problems.push('give concurrency (closed loop) or ratePerSecond (open loop), not both');
  if (o.concurrency !== undefined && !(Number.isInteger(o.concurrency) && o.concurrency > 0))
    problems.push('concurrency must be a whole number > 0');
  if (o.ratePerSecond !== undefined && !(o.ratePerSecond > 0))
    problems.push('ratePerSecond must be > 0');
  if (!(o.durationMs > 0)) problems.push('durationMs must be > 0');
  const maxInFlight = o.maxInFlight ?? 10_000;
  if (!(Number.isInteger(maxInFlight) && maxInFlight > 0))
    problems.push('maxInFlight must be a whole number > 0');
  if (problems.length > 0) throw new HammerError('usage', problems.join('; '));
  const open = o.ratePerSecond !== undefined;
  return {
    mode: open ? 'open' : 'closed',
    concurrency: open ? undefined : (o.concurrency ?? 10),
    ratePerSecond: o.ratePerSecond,
    maxInFlight,
  };
}

/**
 * Prepares the target, drives the mix at the rate or concurrency for the duration, waits for
 * the calls in flight, closes the target (cleaning up when it was asked to) and reports.
 * Call failures are counted by code, never thrown; a HammerError means the run could not happen.
 */
export async function runHammer(options: HammerOptions): Promise<Report> {
  const c = compile(options);
  const { target } = options;
  const calls = Object.keys(options.mix);
  try {
    await target.prepare(calls);
  } catch (err) {
    await target.close().catch(() => undefined);
    throw isHammerError(err)
      ? err
      : new HammerError('setup', `preparing ${target.description} failed`, { cause: err });
  }
  const startTime = new Date();
  const startMs = performance.now();
  const endAtMs = startMs + options.durationMs;
  const recorder = new Recorder(calls, startMs);
  const executor = createExecutor(target, recorder);
  const picker = new MixPicker(options.mix);
  const signal = options.signal ?? new AbortController().signal;
  const stopProgress = startProgress(options, recorder, executor.inFlight, startMs);
  let summary: TargetSummary;
  let loadEndMs: number;
  try {
    if (c.mode === 'open') {
      await runOpenLoop({
        ratePerSecond: c.ratePerSecond!,
        startMs,
        endAtMs,
        maxInFlight: c.maxInFlight,
        picker,
        execute: executor.execute,
        signal,
      });
    } else {
      await runClosedLoop({
        concurrency: c.concurrency!,
        endAtMs,
        picker,
        execute: executor.execute,
        signal,
      });
    }
    loadEndMs = performance.now();
  } finally {
    stopProgress();
    summary = await target.close();
  }
  // Until the last call ended: cleanup in close() is not load.
  const elapsedMs = loadEndMs - startMs;
  return buildReport(
    {
      target: { kind: target.kind, description: target.description },
      startTime,
      mode: c.mode,
      concurrency: c.concurrency,
      ratePerSecond: c.ratePerSecond,
      durationMs: options.durationMs,
      elapsedMs,
      interrupted: signal.aborted,
      mix: options.mix,
    },
    recorder,
    summary,
  );
}

function startProgress(
  options: HammerOptions,
  recorder: Recorder,
  inFlight: () => number,
  startMs: number,
): () => void {
  const onProgress = options.onProgress;
  if (!onProgress) return () => undefined;
  const intervalMs = options.progressIntervalMs ?? 1000;
  let last = { atMs: startMs, completed: 0 };
  // The last look, at the end, reports the throughput of the whole run.
  const look = (final = false) => {
    const now = performance.now();
    const completed = recorder.completed;
    const since = final ? { atMs: startMs, completed: 0 } : last;
    const seconds = Math.max(now - since.atMs, 1) / 1000;
    onProgress({
      elapsedMs: Math.min(now - startMs, options.durationMs),
      durationMs: options.durationMs,
      completed,
      errors: recorder.errors,
      inFlight: inFlight(),
      throughputPerSecond: (completed - since.completed) / seconds,
    });
    last = { atMs: now, completed };
  };
  const timer = setInterval(look, intervalMs);
  return () => {
    clearInterval(timer);
    look(true);
  };
}
