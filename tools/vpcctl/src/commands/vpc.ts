import { printDeleted, printList, printOne } from '../output/print.js';
import { vpcView } from '../output/views.js';
import { option, type Command } from './command.js';
import { collectPages, limitOf } from './paging.js';

export const vpcCommands: readonly Command[] = [
  {
    words: ['vpc', 'create'],
    args: ['NAME'],
    options: ['cidr', 'project', 'request-id'],
    required: ['cidr'],
    usage: 'vpc create NAME --cidr CIDR [--project ID] [--request-id ID]',
    summary: 'create a VPC (--project needed with the admin token)',
    async run(ctx, inv) {
      const vpc = await ctx.clients.vpcs.createVpc(
        {
          name: inv.args[0]!,
          cidr: option(inv, 'cidr')!,
          projectId: option(inv, 'project') ?? '',
          requestId: option(inv, 'request-id') ?? '',
        },
        ctx.call(),
      );
      printOne(ctx, vpcView, vpc);
    },
  },
  {
    words: ['vpc', 'get'],
    args: ['ID'],
    options: [],
    usage: 'vpc get ID',
    summary: 'show a VPC',
    async run(ctx, inv) {
      printOne(ctx, vpcView, await ctx.clients.vpcs.getVpc({ id: inv.args[0]! }, ctx.call()));
    },
  },
  {
    words: ['vpc', 'list'],
    args: [],
    options: ['limit'],
    usage: 'vpc list [--limit N]',
    summary: 'list the VPCs the token sees',
    async run(ctx, inv) {
      const vpcs = await collectPages(async (pageSize, pageToken) => {
        const page = await ctx.clients.vpcs.listVpcs({ pageSize, pageToken }, ctx.call());
        return { items: page.vpcs, nextPageToken: page.nextPageToken };
      }, limitOf(inv));
      printList(ctx, vpcView, vpcs);
    },
  },
  {
    words: ['vpc', 'delete'],
    args: ['ID'],
    options: ['request-id'],
    usage: 'vpc delete ID [--request-id ID]',
    summary: 'delete a VPC',
    async run(ctx, inv) {
      const id = inv.args[0]!;
      await ctx.clients.vpcs.deleteVpc(
        { id, requestId: option(inv, 'request-id') ?? '' },
        ctx.call(),
      );
      printDeleted(ctx, 'vpc', id);
    },
  },
];
