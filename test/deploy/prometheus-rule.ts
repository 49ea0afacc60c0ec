import { parse, stringify } from 'yaml';

/** The groups of a Prometheus rules file, as promtool reads them. */
export interface RuleFile {
  readonly groups: ReadonlyArray<{
    readonly name: string;
    readonly rules: ReadonlyArray<Rule>;
  }>;
}

export interface Rule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export function parseRuleFile(text: string): RuleFile {
  const parsed = parse(text) as RuleFile | null;
  if (!parsed || !Array.isArray(parsed.groups)) throw new Error('a rules file needs `groups`');
  return parsed;
}

/**
 * The PrometheusRule object wrapping the rules file's groups unchanged, as YAML (not yet
 * formatted). The rules file stays the one source; this is what kustomize deploys.
 */
export function renderPrometheusRule(rulesText: string): string {
  const { groups } = parseRuleFile(rulesText);
  const object = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'vpcd', labels: { 'app.kubernetes.io/name': 'vpcd' } },
    spec: { groups },
  };
  return [
    '# Generated from vpcd.rules.yml by `node test/dist/deploy/write-generated.js`: edit that file,',
    '# then run the command; a test fails while the two differ.',
    stringify(object, { lineWidth: 0 }),
  ].join('\n');
}
