import { usageError } from '../cli/cli-error.js';
import type { CommandOption } from '../cli/options.js';
import { printOne } from '../output/print.js';
import { quotaView } from '../output/views.js';
import { option, type Command, type Invocation } from './command.js';

/** A limit option's value: a whole number from 0 to 2^32 - 1, or undefined when not given. */
function limit(inv: Invocation, name: CommandOption): number | undefined {
  const text = option(inv, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) > 0xffff_ffff)
    throw usageError(`--${name}: "${text}" is not a whole number from 0 to 4294967295`);
  return Number(text);
}

/** A project's quotas: admin credentials only. */
export const quotaCommands: readonly Command[] = [
  {
    words: ['quota', 'get'],
    args: ['PROJECT_ID'],
    options: [],
    usage: 'quota get PROJECT_ID',
    summary: "show a project's quotas and usage (admin)",
    async run(ctx, inv) {
      const quota = await ctx.clients.projects.getProjectQuota(
        { projectId: inv.args[0]! },
        ctx.call(),
      );
      printOne(ctx, quotaView, quota);
    },
  },
  {
    words: ['quota', 'set'],
    args: ['PROJECT_ID'],
    options: ['max-vpcs', 'max-interfaces-per-vpc', 'max-interfaces', 'request-id'],
    usage:
      'quota set PROJECT_ID [--max-vpcs N] [--max-interfaces-per-vpc N] [--max-interfaces N] [--request-id ID]',
    summary: "change a project's quotas; the others stay (admin)",
    async run(ctx, inv) {
      const request = {
        projectId: inv.args[0]!,
        maxVpcs: limit(inv, 'max-vpcs'),
        maxInterfacesPerVpc: limit(inv, 'max-interfaces-per-vpc'),
        maxInterfaces: limit(inv, 'max-interfaces'),
        requestId: option(inv, 'request-id') ?? '',
      };
      if (
        [request.maxVpcs, request.maxInterfacesPerVpc, request.maxInterfaces].every(
          (v) => v === undefined,
        )
      )
        throw usageError(
          'quota set: give at least one of --max-vpcs, --max-interfaces-per-vpc, --max-interfaces',
        );
      const quota = await ctx.clients.projects.updateProjectQuota(request, ctx.call());
      printOne(ctx, quotaView, quota);
    },
  },
];
