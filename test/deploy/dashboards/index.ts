import { convergence } from './convergence.js';
import { goldenSignals } from './golden-signals.js';
import type { DashboardSpec } from './grafana.js';
import { mysql } from './mysql.js';
import { openvswitch } from './openvswitch.js';
import { rabbitmq } from './rabbitmq.js';
import { use } from './use.js';

export { dashboardQueries, renderDashboard } from './grafana.js';
export type { DashboardSpec } from './grafana.js';

/** Every dashboard; each is written to deploy/monitoring/grafana/dashboards/<uid>.json. */
export const dashboards: readonly DashboardSpec[] = [
  goldenSignals,
  use,
  convergence,
  rabbitmq,
  mysql,
  openvswitch,
];
