import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '@vpcd/db/testing';
import { testBusKey } from '@vpcd/messaging/testing';
import { parsePromText, type PromSample } from '../common/prom-text.js';
import { loadQuotaEnv } from '../../region/load-quotas.js';

// `node services/northd/dist/main.js`, found through the package so no path is spelled here.
const northdMain = join(dirname(fileURLToPath(import.meta.resolve('@vpcd/northd'))), 'main.js');
const startTimeoutMs = 30_000;
const stopTimeoutMs = 30_000;

/** A northd process started by the benchmark. */
export interface NorthdProcess {
  readonly id: string;
  readonly grpcPort: number;
  readonly metricsPort: number;
  /** Lines it logged before it was ready, and since: at LOG_LEVEL=warn, warnings and errors. */
  readonly logLines: { readonly starting: number; readonly ready: number };
  /** Its /metrics, now. */
  scrape(): Promise<PromSample[]>;
  /** SIGTERM, then waits for it to exit (SIGKILL after 30 s). */
  stop(): Promise<void>;
}

export interface NorthdProcessOptions {
  readonly id: string;
  readonly mysqlUrl: string;
  readonly amqpUrl: string;
  readonly adminToken: string;
}

async function ready(metricsPort: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).ok;
  } catch {
    return false;
  }
}

/**
 * Starts `node services/northd/dist/main.js` with production defaults, but on loopback ports
 * and at LOG_LEVEL=warn, and waits until its /readyz answers (the API listens by then). Its
 * "northd started" line is at info, so the ports are chosen here. Every line it logs goes to
 * our stderr, prefixed with its id.
 */
export async function startNorthdProcess(options: NorthdProcessOptions): Promise<NorthdProcess> {
  const [grpcPort, metricsPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [northdMain], {
    env: {
      ...process.env,
      MYSQL_URL: options.mysqlUrl,
      AMQP_URL: options.amqpUrl,
      VPCD_ADMIN_TOKEN: options.adminToken,
      NORTHD_ID: options.id,
      GRPC_LISTEN: `127.0.0.1:${grpcPort}`,
      METRICS_LISTEN: `127.0.0.1:${metricsPort}`,
      LOG_LEVEL: 'warn',
      OTEL_TRACES_EXPORTER: 'none',
      ...testBusKey.env,
      ...loadQuotaEnv,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let exitCode: number | string | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? signal;
      resolve();
    }),
  );
  const logLines = { starting: 0, ready: 0 };
  let isReady = false;
  createInterface({ input: child.stdout }).on('line', (line) => {
    logLines[isReady ? 'ready' : 'starting']++;
    process.stderr.write(`[${options.id}] ${line}\n`);
  });
  const deadline = performance.now() + startTimeoutMs;
  while (!(isReady = await ready(metricsPort))) {
    if (exitCode !== undefined || performance.now() > deadline) {
      child.kill('SIGKILL');
      const why =
        exitCode !== undefined
          ? `exited (${exitCode}) before it was ready`
          : `was not ready within ${startTimeoutMs} ms`;
      throw new Error(`northd ${options.id} ${why}`);
    }
    await sleep(50);
  }
  return {
    id: options.id,
    grpcPort,
    metricsPort,
    logLines,
    async scrape() {
      const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      if (!response.ok) throw new Error(`northd ${options.id} /metrics: ${response.status}`);
      return parsePromText(await response.text());
    },
    async stop() {
      if (exitCode !== undefined) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
  };
}
