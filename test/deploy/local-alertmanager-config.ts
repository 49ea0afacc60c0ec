import { readFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { deployPaths } from './paths.js';

export interface LocalAlertmanagerConfigOptions {
  /**
   * Where every receiver that notifies someone (the pager, the chat) posts instead, as
   * Alertmanager's webhook (`receiver` in the body names which); default nowhere: alerts are
   * only seen in Alertmanager's UI and API.
   */
  readonly webhookUrl?: string;
  /** Overrides the route's group_wait, group_interval and repeat_interval (tests: seconds). */
  readonly groupWaitS?: number;
  readonly groupIntervalS?: number;
  readonly repeatIntervalS?: number;
}

interface Receiver {
  name: string;
  [integration: string]: unknown;
}

/**
 * The repository's Alertmanager config (deploy/monitoring/alertmanager), runnable on this
 * machine: the same routing tree and inhibition rules, its template loaded from the repository,
 * and each receiver's integrations (PagerDuty and Slack, whose secrets only the cluster has)
 * replaced by a webhook to `webhookUrl`, or by nothing.
 */
export async function localAlertmanagerConfig(
  options: LocalAlertmanagerConfigOptions = {},
): Promise<string> {
  const config = parse(await readFile(deployPaths.alertmanager, 'utf8')) as {
    route: Record<string, unknown>;
    receivers: Receiver[];
    templates?: string[];
  };
  config.receivers = config.receivers.map((r) => {
    const notifies = Object.keys(r).some((k) => k.endsWith('_configs'));
    return notifies && options.webhookUrl
      ? { name: r.name, webhook_configs: [{ url: options.webhookUrl, send_resolved: true }] }
      : { name: r.name };
  });
  config.templates = [deployPaths.alertmanagerTemplate];
  const interval = (key: string, seconds: number | undefined) => {
    if (seconds !== undefined) config.route[key] = `${seconds}s`;
  };
  interval('group_wait', options.groupWaitS);
  interval('group_interval', options.groupIntervalS);
  interval('repeat_interval', options.repeatIntervalS);
  return stringify(config);
}
