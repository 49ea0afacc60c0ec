import { renderJson } from '../output/json.js';
import { renderTable, type Column } from '../output/table.js';
import { formatAge } from '../output/views.js';
import { listAllChassis } from './chassis.js';
import type { Command } from './command.js';
import {
  convergenceJson,
  summarizeConvergence,
  type ChassisConvergence,
  type ConvergenceSummary,
} from './convergence.js';

const columns: readonly Column<ChassisConvergence>[] = [
  { header: 'chassis', value: (r) => r.chassis.id },
  { header: 'owner', value: (r) => r.chassis.owner },
  { header: 'epoch', value: (r) => String(r.chassis.epoch) },
  { header: 'desired', value: (r) => String(r.chassis.desiredGeneration) },
  { header: 'applied', value: (r) => String(r.chassis.appliedGeneration) },
  { header: 'converged', value: (r) => (r.converged ? 'yes' : 'no') },
  { header: 'last heartbeat', value: (r) => formatAge(r.chassis.lastHeartbeatTime) },
];

/** `3 chassis: 2 converged, 1 behind by 4 generations, 0 without an owner`. */
export function totalsLine({ totals: t }: ConvergenceSummary): string {
  const behind =
    t.behind === 0 ? '0 behind' : `${t.behind} behind by ${t.lagGenerations} generations`;
  return `${t.chassis} chassis: ${t.converged} converged, ${behind}, ${t.unowned} without an owner\n`;
}

export const statusCommand: Command = {
  words: ['status'],
  args: [],
  options: [],
  usage: 'status',
  summary: 'convergence of every chassis, with totals',
  async run(ctx) {
    const summary = summarizeConvergence(await listAllChassis(ctx));
    if (ctx.settings.output === 'json') {
      ctx.io.stdout.write(renderJson(convergenceJson(summary)));
      return;
    }
    if (summary.rows.length > 0) ctx.io.stdout.write(renderTable(columns, summary.rows));
    ctx.io.stdout.write(totalsLine(summary));
  },
};
