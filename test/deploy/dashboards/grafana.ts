/**
 * A small builder for Grafana dashboards (JSON model, schema version 39): dashboards are written
 * as rows of panels with PromQL queries, and laid out and rendered here, so every dashboard has
 * the same variables, units and look, and the tests can read every query.
 */

export interface Query {
  readonly expr: string;
  /** Grafana legend template, e.g. `{{instance}}`. */
  readonly legend?: string;
}

export interface PanelSpec {
  readonly title: string;
  /** What the panel shows and how to read it (the panel's info tooltip). */
  readonly description: string;
  /** A Grafana unit: `s`, `percentunit`, `reqps`, `bytes`, `short`, `ops`... */
  readonly unit: string;
  readonly queries: readonly Query[];
  readonly kind?: 'timeseries' | 'stat';
  /** Columns out of 24; default 8 (three panels a row). */
  readonly width?: number;
  readonly stacked?: boolean;
  readonly min?: number;
  readonly max?: number;
}

export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

export type VariableSpec =
  | {
      readonly kind: 'query';
      readonly name: string;
      readonly label: string;
      readonly query: string;
      readonly multi?: boolean;
    }
  | {
      readonly kind: 'custom';
      readonly name: string;
      readonly label: string;
      readonly values: readonly string[];
      readonly multi?: boolean;
    };

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly variables: readonly VariableSpec[];
  readonly rows: readonly RowSpec[];
}

const datasource = { type: 'prometheus', uid: '${datasource}' } as const;
const panelHeight = 8;

/** The dashboard's JSON model, ready for Grafana's provisioning or its sidecar. */
export function renderDashboard(spec: DashboardSpec): Record<string, unknown> {
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    panels.push({
      id: id++,
      type: 'row',
      title: row.title,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    for (const panel of row.panels) {
      const w = panel.width ?? 8;
      if (x + w > 24) {
        x = 0;
        y += panelHeight;
      }
      panels.push(renderPanel(panel, id++, { h: panelHeight, w, x, y }));
      x += w;
    }
    y += panelHeight;
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['vpcd'],
    timezone: 'utc',
    editable: false,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-3h', to: 'now' },
    timepicker: {},
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    links: [
      {
        title: 'vpcd dashboards',
        type: 'dashboards',
        tags: ['vpcd'],
        asDropdown: true,
        includeVars: true,
        keepTime: true,
      },
    ],
    templating: { list: [datasourceVariable(), ...spec.variables.map(renderVariable)] },
    panels,
  };
}

function renderPanel(
  panel: PanelSpec,
  id: number,
  gridPos: { h: number; w: number; x: number; y: number },
): Record<string, unknown> {
  const kind = panel.kind ?? 'timeseries';
  const defaults: Record<string, unknown> = { unit: panel.unit };
  if (panel.min !== undefined) defaults.min = panel.min;
  if (panel.max !== undefined) defaults.max = panel.max;
  if (kind === 'timeseries') {
    defaults.custom = {
      drawStyle: 'line',
      lineWidth: 1,
      fillOpacity: panel.stacked ? 30 : 10,
      showPoints: 'never',
      spanNulls: false,
      stacking: { mode: panel.stacked ? 'normal' : 'none', group: 'A' },
    };
  }
  return {
    id,
    type: kind,
    title: panel.title,
    description: panel.description,
    datasource,
    gridPos,
    fieldConfig: { defaults, overrides: [] },
    options:
      kind === 'timeseries'
        ? {
            legend: { showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] },
            tooltip: { mode: 'multi', sort: 'desc' },
          }
        : {
            reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
            colorMode: 'value',
            graphMode: 'area',
            textMode: 'auto',
          },
    targets: panel.queries.map((q, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource,
      expr: q.expr,
      legendFormat: q.legend ?? '__auto',
      range: true,
    })),
  };
}

function datasourceVariable(): Record<string, unknown> {
  return {
    name: 'datasource',
    label: 'Data source',
    type: 'datasource',
    query: 'prometheus',
    current: {},
    hide: 0,
    refresh: 1,
    regex: '',
  };
}

function renderVariable(v: VariableSpec): Record<string, unknown> {
  const common = {
    name: v.name,
    label: v.label,
    hide: 0,
    multi: v.multi ?? false,
    includeAll: v.multi ?? false,
    allValue: '.*',
    current: {},
  };
  if (v.kind === 'custom') {
    return {
      ...common,
      type: 'custom',
      query: v.values.join(','),
      options: v.values.map((value, i) => ({ text: value, value, selected: i === 0 })),
    };
  }
  return {
    ...common,
    type: 'query',
    datasource,
    query: v.query,
    definition: v.query,
    refresh: 2,
    regex: '',
    sort: 1,
  };
}

/** Every PromQL expression of a rendered dashboard, with the panel it belongs to. */
export function dashboardQueries(
  dashboard: Record<string, unknown>,
): Array<{ panel: string; expr: string }> {
  const found: Array<{ panel: string; expr: string }> = [];
  for (const panel of (dashboard.panels as Array<Record<string, unknown>>) ?? []) {
    for (const target of (panel.targets as Array<{ expr?: string }> | undefined) ?? []) {
      if (target.expr !== undefined) found.push({ panel: String(panel.title), expr: target.expr });
    }
  }
  return found;
}
