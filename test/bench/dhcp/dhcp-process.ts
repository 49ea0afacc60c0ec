import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parsePromText, type PromSample } from '../common/prom-text.js';

const hvaddrMain = fileURLToPath(
  new URL('../../../../services/hvaddr/dist/main.js', import.meta.url),
);
const hammerMain = fileURLToPath(new URL('../../../../tools/hammer/dist/main.js', import.meta.url));
const startTimeoutMs = 15_000;

/** An hvaddr server in its own process, seen from the benchmark. */
export interface HvaddrProcess {
  readonly pid: number;
  readonly dhcpPort: number;
  metrics(): Promise<PromSample[]>;
  /** Resident set size now and at its peak (VmRSS, VmHWM), in bytes. */
  memory(): Promise<{ rssBytes: number; peakRssBytes: number }>;
  stop(): Promise<void>;
}

/** Starts `services/hvaddr/dist/main.js` with `env`; resolves once it is ready. */
export async function startHvaddrProcess(env: Record<string, string>): Promise<HvaddrProcess> {
  const child = spawn(process.execPath, [hvaddrMain], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ports = await Promise.race([
    (async () => {
      for (;;) {
        const line = await lines.next();
        if (line.done) throw new Error('hvaddr exited before it started');
        const record = JSON.parse(line.value) as { dhcpPort?: number; metricsPort?: number };
        if (record.dhcpPort !== undefined && record.metricsPort !== undefined) return record;
      }
    })(),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('hvaddr did not start')), startTimeoutMs).unref(),
    ),
  ]).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  void (async () => {
    for (;;) if ((await lines.next()).done) return; // keep draining its log
  })();
  const base = `http://127.0.0.1:${ports.metricsPort}`;
  for (let i = 0; ; i++) {
    const ready = await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (i > 200) throw new Error('hvaddr never became ready (bindings not loaded)');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const pid = child.pid ?? -1;
  return {
    pid,
    dhcpPort: ports.dhcpPort as number,
    metrics: async () => parsePromText(await (await fetch(`${base}/metrics`)).text()),
    memory: async () => {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kib = (field: string) =>
        Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
      return { rssBytes: kib('VmRSS') * 1024, peakRssBytes: kib('VmHWM') * 1024 };
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** What the benchmark reads of a hammer report (tools/hammer's README, schemaVersion 1). */
export interface HammerTotals {
  readonly count: number;
  readonly ok: number;
  readonly errorCount: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number };
}

/**
 * Runs the DHCP load generator, `tools/hammer/dist/main.js --mode dhcp` with `args`, in a
 * process of its own; resolves the totals, elapsed time and notes (with the addresses leased,
 * for a few clients) of its JSON report.
 */
export async function runHammer(
  args: readonly string[],
): Promise<{ totals: HammerTotals; elapsedMs: number; notes: readonly string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'dhcp-bench-'));
  try {
    const out = join(dir, 'report');
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [hammerMain, '--mode', 'dhcp', ...args, '--out', out], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      child.once('exit', (code) => {
        if (code !== 0) reject(new Error(`hammer exited with ${String(code)}`));
        else resolve();
      });
    });
    return JSON.parse(await readFile(`${out}.json`, 'utf8')) as {
      totals: HammerTotals;
      elapsedMs: number;
      notes: readonly string[];
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
