import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { PrivateProcess } from './private-process.js';

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
  /** Default 5. */
  readonly scrapeIntervalS?: number;
  /** How often the rules are evaluated; default the scrape interval. */
  readonly evaluationIntervalS?: number;
  /** Alertmanager base URLs (`http://host:port`) the alerts are sent to; default none. */
  readonly alertmanagers?: readonly string[];
  readonly startTimeoutMs?: number;
}

export interface QueryResult {
  readonly status: 'success' | 'error';
  readonly error?: string;
  readonly data?: { resultType: string; result: unknown[] };
}

/**
 * A private Prometheus from the installed binary (Debian's `prometheus` package): its own
 * temporary TSDB and config, a free port on 127.0.0.1, the given rule files and scrape targets,
 * and the given Alertmanagers. `close()` stops it and deletes its data.
 */
export class PrivatePrometheus {
  private constructor(
    private readonly server: PrivateProcess,
    private readonly dir: string,
    private options: PrometheusOptions,
  ) {}

  get url(): string {
    return this.server.url;
  }

  static async start(options: PrometheusOptions = {}): Promise<PrivatePrometheus> {
    const dir = await mkdtemp(path.join(tmpdir(), 'vpcd-prometheus-'));
    await writeConfig(dir, options);
    try {
      const server = await PrivateProcess.start({
        command: 'prometheus',
        args: (port) => [
          `--config.file=${path.join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${path.join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--storage.tsdb.retention.time=1h',
          '--log.level=warn',
        ],
        readyPath: '/-/ready',
        startTimeoutMs: options.startTimeoutMs,
      });
      return new PrivatePrometheus(server, dir, options);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Scrapes `targets` from now on instead (a service restarted on another port): rewrites the
   * configuration and has Prometheus reload it. Resolves once the reload was applied; the new
   * targets are scraped some seconds later (Prometheus hands them to its scrapers in batches).
   */
  async setTargets(targets: readonly ScrapeTarget[]): Promise<void> {
    this.options = { ...this.options, targets };
    await writeConfig(this.dir, this.options);
    const before = await this.lastReload();
    this.server.signal('SIGHUP');
    const deadline = Date.now() + 10_000;
    while ((await this.lastReload()) === before) {
      if (Date.now() > deadline) throw new Error('prometheus did not reload its configuration');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
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
    await this.server.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  private async lastReload(): Promise<string> {
    const { data } = await this.get<{
      data: { lastConfigTime: string; reloadConfigSuccess: boolean };
    }>('/api/v1/status/runtimeinfo');
    if (!data.reloadConfigSuccess) throw new Error('prometheus refused its new configuration');
    return data.lastConfigTime;
  }
}

async function writeConfig(dir: string, options: PrometheusOptions): Promise<void> {
  const scrapeIntervalS = options.scrapeIntervalS ?? 5;
  const config = {
    global: {
      scrape_interval: `${scrapeIntervalS}s`,
      evaluation_interval: `${options.evaluationIntervalS ?? scrapeIntervalS}s`,
    },
    rule_files: options.ruleFiles ?? [],
    ...(options.alertmanagers?.length
      ? {
          alerting: {
            alertmanagers: options.alertmanagers.map((url) => {
              const u = new URL(url);
              return {
                scheme: u.protocol.replace(':', ''),
                ...(u.pathname !== '/' ? { path_prefix: u.pathname } : {}),
                static_configs: [{ targets: [u.host] }],
              };
            }),
          },
        }
      : {}),
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
}
