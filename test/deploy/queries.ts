import { readFile } from 'node:fs/promises';
import { dashboardQueries, dashboards, renderDashboard } from './dashboards/index.js';
import { deployPaths } from './paths.js';
import type { PrivatePrometheus } from './prometheus-server.js';
import { parseRuleFile } from './prometheus-rule.js';

/** A PromQL expression the deployment depends on, and where it comes from. */
export interface NamedQuery {
  readonly source: string;
  readonly expr: string;
}

/**
 * Every query of the deployment: each alert's expression, each dashboard panel's, and the series
 * selector of each dashboard variable (`label_values(<selector>, label)`), with Grafana's
 * variables replaced by values Prometheus accepts (every variable is matched with `=~`, so `.*`
 * stands for "All").
 */
export async function deploymentQueries(): Promise<NamedQuery[]> {
  const queries: NamedQuery[] = [];
  const rules = parseRuleFile(await readFile(deployPaths.rules, 'utf8'));
  for (const group of rules.groups) {
    for (const rule of group.rules) {
      queries.push({
        source: `alert ${rule.alert ?? rule.record ?? '?'} (${group.name})`,
        expr: rule.expr,
      });
    }
  }
  for (const spec of dashboards) {
    const dashboard = renderDashboard(spec);
    for (const { panel, expr } of dashboardQueries(dashboard)) {
      queries.push({ source: `${spec.uid}: ${panel}`, expr: substituteVariables(expr) });
    }
    for (const variable of (
      dashboard.templating as { list: Array<{ name: string; definition?: string }> }
    ).list) {
      const selector = /^label_values\((.+),\s*\w+\)$/.exec(variable.definition ?? '')?.[1];
      if (selector)
        queries.push({
          source: `${spec.uid}: variable ${variable.name}`,
          expr: substituteVariables(selector),
        });
    }
  }
  return queries;
}

/** Grafana's built-in and dashboard variables, as a query run by hand would spell them. */
export function substituteVariables(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '15s')
    .replaceAll('$__range', '1h')
    .replace(/\$\{(\w+)\}|\$([A-Za-z_]\w*)/g, '.*');
}

export interface QueryCheck {
  /** Queries Prometheus refused, with its error. */
  readonly failed: Array<NamedQuery & { error: string }>;
  /** Queries that ran and returned no series. */
  readonly empty: NamedQuery[];
}

/** Runs every query on `prometheus`; see QueryCheck. */
export async function checkQueries(
  prometheus: PrivatePrometheus,
  queries: readonly NamedQuery[],
): Promise<QueryCheck> {
  const failed: QueryCheck['failed'] = [];
  const empty: NamedQuery[] = [];
  for (const q of queries) {
    const result = await prometheus.query(q.expr);
    if (result.status !== 'success') failed.push({ ...q, error: result.error ?? 'unknown error' });
    else if ((result.data?.result ?? []).length === 0) empty.push(q);
  }
  return { failed, empty };
}
