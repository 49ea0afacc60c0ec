import type { Progress } from '../run/progress.js';

const barWidth = 24;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** `12.0s/30.0s  3,210 calls  1,070/s  2 errors  10 in flight`. */
export function progressText(p: Progress): string {
  return [
    `${(p.elapsedMs / 1000).toFixed(1)}s/${(p.durationMs / 1000).toFixed(1)}s`,
    `${fmt(p.completed)} calls`,
    `${fmt(p.throughputPerSecond)}/s`,
    `${fmt(p.errors)} errors`,
    `${fmt(p.inFlight)} in flight`,
  ].join('  ');
}

/** `[#########---------------] ` then the text. */
export function progressBar(p: Progress): string {
  const done = Math.min(barWidth, Math.round((p.elapsedMs / p.durationMs) * barWidth));
  return `[${'#'.repeat(done)}${'-'.repeat(barWidth - done)}] ${progressText(p)}`;
}

/**
 * Prints progress to stderr: on a terminal one bar rewritten in place (call `end` for the final
 * newline), else one line a look.
 */
export function progressPrinter(stderr: { write(t: string): unknown }, tty: boolean) {
  return {
    intervalMs: tty ? 250 : 1000,
    print(p: Progress) {
      stderr.write(tty ? `\r\x1b[K${progressBar(p)}` : `${progressText(p)}\n`);
    },
    end() {
      if (tty) stderr.write('\n');
    },
  };
}
