import { printList, printOne } from '../output/print.js';
import { projectView } from '../output/views.js';
import { option, type Command } from './command.js';
import { collectPages, limitOf } from './paging.js';

/** Projects: admin credentials only (their tokens: see token.ts). */
export const projectCommands: readonly Command[] = [
  {
    words: ['project', 'create'],
    args: ['NAME'],
    options: ['request-id'],
    usage: 'project create NAME [--request-id ID]',
    summary: 'create a project (admin)',
    async run(ctx, inv) {
      const project = await ctx.clients.projects.createProject(
        { name: inv.args[0]!, requestId: option(inv, 'request-id') ?? '' },
        ctx.call(),
      );
      printOne(ctx, projectView, project);
    },
  },
  {
    words: ['project', 'get'],
    args: ['ID'],
    options: [],
    usage: 'project get ID',
    summary: 'show a project (admin)',
    async run(ctx, inv) {
      const project = await ctx.clients.projects.getProject({ id: inv.args[0]! }, ctx.call());
      printOne(ctx, projectView, project);
    },
  },
  {
    words: ['project', 'list'],
    args: [],
    options: ['limit'],
    usage: 'project list [--limit N]',
    summary: 'list projects (admin)',
    async run(ctx, inv) {
      const projects = await collectPages(async (pageSize, pageToken) => {
        const page = await ctx.clients.projects.listProjects({ pageSize, pageToken }, ctx.call());
        return { items: page.projects, nextPageToken: page.nextPageToken };
      }, limitOf(inv));
      printList(ctx, projectView, projects);
    },
  },
];
