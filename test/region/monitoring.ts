import { deployPaths } from '../deploy/paths.js';
import { PrivateAlertmanager } from '../deploy/alertmanager-server.js';
import { localAlertmanagerConfig } from '../deploy/local-alertmanager-config.js';
import { startMysqldExporter } from '../deploy/mysqld-exporter.js';
import type { PrivateProcess } from '../deploy/private-process.js';
import { PrivatePrometheus, type ScrapeTarget } from '../deploy/prometheus-server.js';
import type { Region } from './local-region.js';

export interface MonitoringOptions {
  /** Seconds between scrapes and between rule evaluations. Default 2. */
  readonly scrapeIntervalS?: number;
  /** Rule files Prometheus evaluates. Default: the repository's (deploy/monitoring). */
  readonly ruleFiles?: readonly string[];
  /** Alertmanager's config (YAML). Default: localAlertmanagerConfig(), notifying no one. */
  readonly alertmanagerConfig?: string;
  /**
   * host:port of RabbitMQ's own Prometheus endpoint (the rabbitmq_prometheus plugin, which
   * scripts/install-prereqs.sh enables on the local broker), or `none`. Default: the host of the
   * region's broker, port 15692.
   */
  readonly rabbitmqMetrics?: string;
  /**
   * The MySQL servers (`mysql://...` URLs) a private mysqld_exporter each watches, job `mysql`.
   * Default: the region's; `[]` for none.
   */
  readonly mysqlServers?: readonly string[];
  /** More scrape jobs, e.g. hvaddr processes started beside the region. */
  readonly extraTargets?: readonly ScrapeTarget[];
  /** Labels every series gets, as a cluster's scrape config adds them. Default namespace=local. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** What watches a local region: Prometheus with the rules, Alertmanager, the exporters. */
export interface Monitoring {
  readonly prometheus: PrivatePrometheus;
  readonly alertmanager: PrivateAlertmanager;
  readonly mysqldExporters: readonly PrivateProcess[];
  readonly targets: readonly ScrapeTarget[];
  /**
   * Resolves once every target answered a scrape and `scrapes` more scrapes went by (rate()
   * needs two samples in its window); rejects naming the targets still down after `timeoutMs`.
   */
  waitForScrapes(options?: { scrapes?: number; timeoutMs?: number }): Promise<void>;
  /**
   * Scrapes the region's processes as they are now (one restarted on new ports, as in
   * Kubernetes a new pod is discovered) and resolves once every target answered a scrape.
   */
  follow(): Promise<void>;
  /** Stops Prometheus, Alertmanager and the exporters (not the region). */
  close(): Promise<void>;
}

/**
 * Starts what observes `region` as production does: Prometheus scraping every service with the
 * job names the rules and dashboards use (northd, southd, hvflowd; mysql from mysqld_exporter;
 * rabbitmq from the broker's endpoint, aggregated and per queue), evaluating the rules and
 * sending alerts to a private Alertmanager. A service restarted on other ports is scraped
 * after follow().
 */
export async function startMonitoring(
  region: Region,
  options: MonitoringOptions = {},
): Promise<Monitoring> {
  const scrapeIntervalS = options.scrapeIntervalS ?? 2;
  const labels = options.labels ?? { namespace: 'local' };
  const endpoints = (list: ReadonlyArray<{ metricsPort: number } | undefined>) =>
    list.filter((p) => p !== undefined).map((p) => `127.0.0.1:${p.metricsPort}`);
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
  try {
    const others: ScrapeTarget[] = [];
    const mysqldExporters: PrivateProcess[] = [];
    for (const server of options.mysqlServers ?? [region.mysqlUrl]) {
      const exporter = await startMysqldExporter(server);
      stops.push(() => exporter.stop());
      mysqldExporters.push(exporter);
    }
    if (mysqldExporters.length > 0) {
      const exporters = mysqldExporters.map((e) => `127.0.0.1:${e.port}`);
      others.push({ job: 'mysql', targets: exporters, labels });
    }
    const rabbitmq = options.rabbitmqMetrics ?? `${new URL(region.amqpUrl).hostname}:15692`;
    if (rabbitmq !== 'none') {
      others.push(
        { job: 'rabbitmq', targets: [rabbitmq], labels },
        {
          job: 'rabbitmq',
          targets: [rabbitmq],
          labels,
          metricsPath: '/metrics/detailed',
          params: { family: ['queue_coarse_metrics', 'queue_consumer_count'] },
        },
      );
    }
    others.push(...(options.extraTargets ?? []));
    // The region's processes as they are now: a restarted one may have new ports.
    const targets = (): ScrapeTarget[] => [
      { job: 'northd', targets: endpoints(region.northds), labels },
      { job: 'southd', targets: endpoints(region.southds), labels },
      { job: 'hvflowd', targets: endpoints([...region.hvflowds, region.fleet]), labels },
      ...others,
    ];
    const alertmanager = await PrivateAlertmanager.start({
      config: options.alertmanagerConfig ?? (await localAlertmanagerConfig()),
    });
    stops.push(() => alertmanager.close());
    let current = targets();
    const prometheus = await PrivatePrometheus.start({
      ruleFiles: options.ruleFiles ?? [deployPaths.rules],
      targets: current,
      scrapeIntervalS,
      alertmanagers: [alertmanager.url],
    });
    stops.push(() => prometheus.close());
    const wait = (o: { scrapes?: number; timeoutMs?: number } = {}) =>
      waitForScrapes(prometheus, {
        targets: current.reduce((n, t) => n + t.targets.length, 0),
        scrapeIntervalS,
        scrapes: o.scrapes ?? 2,
        timeoutMs: o.timeoutMs ?? 60_000,
      });
    return {
      prometheus,
      alertmanager,
      mysqldExporters,
      get targets() {
        return current;
      },
      waitForScrapes: wait,
      follow: async () => {
        current = targets();
        await prometheus.setTargets(current);
        await wait({ scrapes: 0 });
      },
      close: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

interface TargetsResponse {
  data: { activeTargets: Array<{ scrapeUrl: string; health: string; lastError: string }> };
}

// Prometheus hands new targets to its scrapers some seconds after it started: until then the
// list of active targets is short, not down.
async function waitForScrapes(
  prometheus: PrivatePrometheus,
  o: { targets: number; scrapeIntervalS: number; scrapes: number; timeoutMs: number },
): Promise<void> {
  const { scrapeIntervalS, scrapes, timeoutMs } = o;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { data } = await prometheus.get<TargetsResponse>('/api/v1/targets');
    const down = data.activeTargets.filter((t) => t.health !== 'up');
    if (data.activeTargets.length === o.targets && down.length === 0) break;
    if (Date.now() > deadline) {
      const list = down.map((t) => `${t.scrapeUrl}: ${t.health} ${t.lastError}`).join('\n');
      throw new Error(
        `${o.targets - data.activeTargets.length + down.length} of ${o.targets} targets not up` +
          ` within ${timeoutMs} ms:\n${list}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await new Promise((resolve) => setTimeout(resolve, scrapes * scrapeIntervalS * 1000 + 500));
}
