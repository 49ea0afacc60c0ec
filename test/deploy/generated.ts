import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { dashboards, renderDashboard } from './dashboards/index.js';
import { formatLike } from './format.js';
import { deployPaths } from './paths.js';
import { renderPrometheusRule } from './prometheus-rule.js';

export interface GeneratedFile {
  readonly path: string;
  readonly content: string;
}

/**
 * The files under deploy/ that are written from code, as Prettier formats them: the
 * PrometheusRule (from the rules file) and every Grafana dashboard (from ./dashboards).
 */
export async function generatedFiles(): Promise<GeneratedFile[]> {
  const files: GeneratedFile[] = [];
  const rules = await readFile(deployPaths.rules, 'utf8');
  files.push({
    path: deployPaths.prometheusRule,
    content: await formatLike(deployPaths.prometheusRule, renderPrometheusRule(rules)),
  });
  for (const spec of dashboards) {
    const file = path.join(deployPaths.dashboards, `${spec.uid}.json`);
    const json = JSON.stringify(renderDashboard(spec), null, 2);
    files.push({ path: file, content: await formatLike(file, json) });
  }
  return files;
}
