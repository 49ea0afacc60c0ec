import type { Chassis } from '@vpcd/api';
import { printList, printOne } from '../output/print.js';
import { chassisView } from '../output/views.js';
import { option, type Command, type Context } from './command.js';
import { collectPages, limitOf } from './paging.js';

/** Every chassis, following the pages to the end (or to `limit`). */
export function listAllChassis(ctx: Context, limit?: number): Promise<Chassis[]> {
  return collectPages(async (pageSize, pageToken) => {
    const page = await ctx.clients.chassis.listChassis({ pageSize, pageToken }, ctx.call());
    return { items: page.chassis, nextPageToken: page.nextPageToken };
  }, limit);
}

export const chassisCommands: readonly Command[] = [
  {
    words: ['chassis', 'list'],
    args: [],
    options: ['limit'],
    usage: 'chassis list [--limit N]',
    summary: 'list chassis: lease, epoch, generations',
    async run(ctx, inv) {
      printList(ctx, chassisView, await listAllChassis(ctx, limitOf(inv)));
    },
  },
  {
    words: ['chassis', 'get'],
    args: ['ID'],
    options: [],
    usage: 'chassis get ID',
    summary: 'show a chassis',
    async run(ctx, inv) {
      printOne(
        ctx,
        chassisView,
        await ctx.clients.chassis.getChassis({ id: inv.args[0]! }, ctx.call()),
      );
    },
  },
  {
    words: ['chassis', 'register'],
    args: ['ID'],
    options: ['hostname', 'underlay-ip', 'hvflowd-addr', 'request-id'],
    required: ['underlay-ip', 'hvflowd-addr'],
    usage:
      'chassis register ID --underlay-ip IP --hvflowd-addr HOST:PORT [--hostname NAME] [--request-id ID]',
    summary: 'register a chassis by hand (admin)',
    async run(ctx, inv) {
      const id = inv.args[0]!;
      const chassis = await ctx.clients.chassis.registerChassis(
        {
          chassisId: id,
          hostname: option(inv, 'hostname') ?? id,
          underlayIp: option(inv, 'underlay-ip')!,
          hvflowdAddr: option(inv, 'hvflowd-addr')!,
          requestId: option(inv, 'request-id') ?? '',
        },
        ctx.call(),
      );
      printOne(ctx, chassisView, chassis);
    },
  },
];
