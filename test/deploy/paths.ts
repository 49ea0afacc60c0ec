import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root: this file runs from test/dist/deploy/ (or test/deploy/ under tsx). */
export const repoRoot = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** Where the deployment lives, and the files the suites read and write. */
export const deployPaths = Object.freeze({
  root: path.join(repoRoot, 'deploy'),
  base: path.join(repoRoot, 'deploy/base'),
  overlays: path.join(repoRoot, 'deploy/overlays'),
  schemas: path.join(repoRoot, 'deploy/schemas'),
  dockerfile: path.join(repoRoot, 'deploy/docker/Dockerfile'),
  rules: path.join(repoRoot, 'deploy/monitoring/prometheus/vpcd.rules.yml'),
  ruleTests: path.join(repoRoot, 'deploy/monitoring/prometheus/vpcd.rules.test.yml'),
  prometheusRule: path.join(repoRoot, 'deploy/monitoring/prometheus/prometheus-rule.yaml'),
  alertmanager: path.join(repoRoot, 'deploy/monitoring/alertmanager/alertmanager.yml'),
  alertmanagerTemplate: path.join(repoRoot, 'deploy/monitoring/alertmanager/vpcd.tmpl'),
  dashboards: path.join(repoRoot, 'deploy/monitoring/grafana/dashboards'),
  runbooks: path.join(repoRoot, 'docs/runbooks'),
});
