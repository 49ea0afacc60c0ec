import { usageError } from '../cli/cli-error.js';
import { parseDurationMs } from '../cli/duration.js';
import { printList, printOne } from '../output/print.js';
import { tokenInfoView, tokenView } from '../output/views.js';
import { option, type Command, type Context, type Invocation } from './command.js';
import { collectPages, limitOf } from './paging.js';

const expiryUsage = '[--ttl DURATION | --expire-time RFC3339]';

/** `--ttl 720h` or `--expire-time 2030-01-01T00:00:00Z` as the request's expiration; neither: never. */
function expiration(
  inv: Invocation,
  usage: string,
): { ttl?: { seconds: number; nanos: number }; expireTime?: Date } {
  const ttl = option(inv, 'ttl');
  const at = option(inv, 'expire-time');
  if (ttl !== undefined && at !== undefined) {
    throw usageError('--ttl and --expire-time exclude each other', usage);
  }
  if (ttl !== undefined) {
    const ms = parseDurationMs(ttl);
    if (ms === undefined) throw usageError(`--ttl: "${ttl}" is not a duration like 720h`, usage);
    return { ttl: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 } };
  }
  if (at !== undefined) {
    const date = new Date(at);
    if (!/^\d{4}-\d\d-\d\dT/.test(at) || Number.isNaN(date.getTime())) {
      throw usageError(`--expire-time: "${at}" is not a time like 2030-01-01T00:00:00Z`, usage);
    }
    return { expireTime: date };
  }
  return {};
}

function shownOnce(ctx: Context): void {
  ctx.io.stderr.write('the token is shown only once: keep it (e.g. as VPCD_TOKEN)\n');
}

/** Project and service tokens: admin credentials only. */
export const tokenCommands: readonly Command[] = [
  {
    words: ['token', 'create'],
    args: ['PROJECT_ID'],
    options: ['request-id', 'ttl', 'expire-time'],
    usage: `token create PROJECT_ID ${expiryUsage} [--request-id ID]`,
    summary: 'create a project token, shown once (admin)',
    async run(ctx, inv) {
      const token = await ctx.clients.projects.createToken(
        {
          projectId: inv.args[0]!,
          requestId: option(inv, 'request-id') ?? '',
          ...expiration(inv, `usage: vpcctl ${this.usage}`),
        },
        ctx.call(),
      );
      printOne(ctx, tokenView, token);
      shownOnce(ctx);
    },
  },
  {
    words: ['token', 'create-service'],
    args: ['ROLE', 'SUBJECT'],
    options: ['request-id', 'ttl', 'expire-time'],
    usage: `token create-service ROLE SUBJECT ${expiryUsage} [--request-id ID]`,
    summary:
      'create a service token (hvflowd CHASSIS, hvaddr CHASSIS, hvflowd-fleet PREFIX, southd southd), shown once (admin)',
    async run(ctx, inv) {
      const token = await ctx.clients.projects.createServiceToken(
        {
          role: inv.args[0]!,
          subject: inv.args[1]!,
          requestId: option(inv, 'request-id') ?? '',
          ...expiration(inv, `usage: vpcctl ${this.usage}`),
        },
        ctx.call(),
      );
      printOne(ctx, tokenView, token);
      shownOnce(ctx);
    },
  },
  {
    words: ['token', 'list'],
    args: [],
    options: ['project', 'limit'],
    usage: 'token list [--project ID] [--limit N]',
    summary: "list tokens, or one project's, without their secrets (admin)",
    async run(ctx, inv) {
      const tokens = await collectPages(async (pageSize, pageToken) => {
        const page = await ctx.clients.projects.listTokens(
          { projectId: option(inv, 'project') ?? '', pageSize, pageToken },
          ctx.call(),
        );
        return { items: page.tokens, nextPageToken: page.nextPageToken };
      }, limitOf(inv));
      printList(ctx, tokenInfoView, tokens);
    },
  },
  {
    words: ['token', 'revoke'],
    args: ['TOKEN_ID'],
    options: [],
    usage: 'token revoke TOKEN_ID',
    summary: 'revoke a token: every northd refuses it within a second (admin)',
    async run(ctx, inv) {
      const token = await ctx.clients.projects.revokeToken({ id: inv.args[0]! }, ctx.call());
      printOne(ctx, tokenInfoView, token);
    },
  },
];
