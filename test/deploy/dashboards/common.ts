import type { VariableSpec } from './grafana.js';

/** Selectors shared by the dashboards; every variable is matched with `=~` so `All` works. */
export const ns = 'namespace=~"$namespace"';
export const notHealth = 'grpc_service!~"grpc[.]health[.]v1[.]Health|grpc[.]reflection[.].*"';
export const serverFaults = 'grpc_code=~"Unknown|Internal|Unavailable|DataLoss"';
export const rate = '$__rate_interval';

export const namespaceVariable: VariableSpec = {
  kind: 'query',
  name: 'namespace',
  label: 'Namespace',
  query: 'label_values(up{job=~"northd|southd|hvflowd|hvaddr"}, namespace)',
  multi: true,
};

export function instanceVariable(job: string): VariableSpec {
  return {
    kind: 'query',
    name: 'instance',
    label: 'Instance',
    query: `label_values(up{${ns},job=~"${job}"}, instance)`,
    multi: true,
  };
}
