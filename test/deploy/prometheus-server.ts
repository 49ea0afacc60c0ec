import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';

/** A scrape job: every series gets `job` and `labels`. */
export interface ScrapeTarget {
  readonly job: string;
  readonly targets: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly metricsPath?: string;
  readonly params?: Readonly<Record<string, readonly string[]>>;
}

export interface PrometheusOptions {
  readonly ruleFiles?: readonly string[];
  readonly targets?: readonly ScrapeTarget[];
  readonly scrapeIntervalS?: number;
  readonly startTimeoutMs?: number;
}

export interface QueryResult {
  readonly status: 'success' | 'error';
  readonly error?: string;
  readonly data?: { resultType: string; result: unknown[] };
}

/**
 * A private Prometheus from the installed binary (Debian's `prometheus` package): its own
 * temporary TSDB and config, a free port on 127.0.0.1, the given rule files and scrape targets.
 * `close()` stops it and deletes its data.
 */
export class PrivatePrometheus {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
    private readonly output: () => string,
  ) {}

  static async start(options: PrometheusOptions = {}): Promise<PrivatePrometheus> {
    const dir = await mkdtemp(path.join(tmpdir(), 'vpcd-prometheus-'));
    const interval = `${options.scrapeIntervalS ?? 5}s`;
    const config = {
      global: { scrape_interval: interval, evaluation_interval: interval },
      rule_files: options.ruleFiles ?? [],
      // Job names must be unique in a config; the `job` label says which service it is, so
      // one service may be scraped on several paths (RabbitMQ's /metrics and /metrics/detailed).
      scrape_configs: (options.targets ?? []).map((t, i) => ({
        job_name: `${t.job}-${i}`,
        metrics_path: t.metricsPath ?? '/metrics',
        ...(t.params ? { params: t.params } : {}),
        static_configs: [{ targets: t.targets, labels: { ...t.labels, job: t.job } }],
      })),
    };
    await writeFile(path.join(dir, 'prometheus.yml'), stringify(config));
    // The port is free when chosen and may be taken before Prometheus binds it: try again then.
    for (let attempt = 1; ; attempt++) {
      const server = PrivatePrometheus.spawn(dir, await freePort());
      try {
        await server.waitReady(options.startTimeoutMs ?? 30_000);
        return server;
      } catch (err) {
        await server.stop();
        if (attempt < 3 && /address already in use/.test(String(err))) continue;
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }

  private static spawn(dir: string, port: number): PrivatePrometheus {
    const child = spawn(
      'prometheus',
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // Never outlive the test process, even when it ends without closing this server.
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    child.once('exit', () => process.removeListener('exit', kill));
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    return new PrivatePrometheus(`http://127.0.0.1:${port}`, child, dir, () => output);
  }

  /** An instant query through the HTTP API; a query Prometheus cannot parse has status error. */
  async query(expr: string): Promise<QueryResult> {
    const response = await fetch(`${this.url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: expr }),
    });
    return (await response.json()) as QueryResult;
  }

  async get<T>(apiPath: string): Promise<T> {
    const response = await fetch(`${this.url}${apiPath}`);
    if (!response.ok) throw new Error(`${apiPath}: HTTP ${response.status}`);
    return (await response.json()) as T;
  }

  async close(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  private async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) {
        throw new Error(`prometheus exited (${this.child.exitCode}):\n${this.output()}`);
      }
      const ready = await fetch(`${this.url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`prometheus not ready within ${timeoutMs} ms:\n${this.output()}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
