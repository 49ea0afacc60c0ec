import { usageError } from '../cli/cli-error.js';
import { printDeleted, printList, printOne } from '../output/print.js';
import { interfaceView } from '../output/views.js';
import { option, type Command } from './command.js';
import { collectPages, limitOf } from './paging.js';
import { waitUntilActive } from './wait.js';

export const interfaceCommands: readonly Command[] = [
  {
    words: ['interface', 'create'],
    args: ['NAME'],
    options: ['vpc', 'chassis', 'ip', 'mac', 'request-id', 'wait'],
    required: ['vpc', 'chassis'],
    usage:
      'interface create NAME --vpc ID --chassis ID [--ip IP] [--mac MAC] [--request-id ID] [--wait]',
    summary: 'attach an interface; --wait until it is ACTIVE',
    async run(ctx, inv) {
      let iface = await ctx.clients.interfaces.createInterface(
        {
          name: inv.args[0]!,
          vpcId: option(inv, 'vpc')!,
          chassisId: option(inv, 'chassis')!,
          ip: option(inv, 'ip') ?? '',
          mac: option(inv, 'mac') ?? '',
          requestId: option(inv, 'request-id') ?? '',
        },
        ctx.call(),
      );
      if (inv.options.wait === true) iface = await waitUntilActive(ctx, iface);
      printOne(ctx, interfaceView, iface);
    },
  },
  {
    words: ['interface', 'get'],
    args: ['ID'],
    options: [],
    usage: 'interface get ID',
    summary: 'show an interface',
    async run(ctx, inv) {
      const iface = await ctx.clients.interfaces.getInterface({ id: inv.args[0]! }, ctx.call());
      printOne(ctx, interfaceView, iface);
    },
  },
  {
    words: ['interface', 'list'],
    args: [],
    options: ['vpc', 'chassis', 'limit'],
    usage: 'interface list (--vpc ID | --chassis ID) [--limit N]',
    summary: 'list the interfaces of a VPC or a chassis',
    async run(ctx, inv) {
      const vpcId = option(inv, 'vpc') ?? '';
      const chassisId = option(inv, 'chassis') ?? '';
      if ((vpcId === '') === (chassisId === ''))
        throw usageError('give exactly one of --vpc and --chassis');
      const interfaces = await collectPages(async (pageSize, pageToken) => {
        const page = await ctx.clients.interfaces.listInterfaces(
          { vpcId, chassisId, pageSize, pageToken },
          ctx.call(),
        );
        return { items: page.interfaces, nextPageToken: page.nextPageToken };
      }, limitOf(inv));
      printList(ctx, interfaceView, interfaces);
    },
  },
  {
    words: ['interface', 'delete'],
    args: ['ID'],
    options: ['request-id'],
    usage: 'interface delete ID [--request-id ID]',
    summary: 'detach an interface',
    async run(ctx, inv) {
      const id = inv.args[0]!;
      await ctx.clients.interfaces.deleteInterface(
        { id, requestId: option(inv, 'request-id') ?? '' },
        ctx.call(),
      );
      printDeleted(ctx, 'interface', id);
    },
  },
];
