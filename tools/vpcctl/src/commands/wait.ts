import { InterfaceStatus, type Interface } from '@vpcd/api';
import { hasCode, Status } from '@vpcd/rpc';
import { CliError } from '../cli/cli-error.js';
import { formatDuration } from '../cli/duration.js';
import { statusName } from '../output/views.js';
import type { Context } from './command.js';

const firstPollMs = 50;
const maxPollMs = 1000;

/**
 * Polls GetInterface until the interface is ACTIVE, within what is left of --timeout; FAILED (its
 * chassis left it out of its flows) ends the wait at once, with the reason. Progress
 * goes to stderr: one rewritten line on a terminal, else a line when waiting starts and ends.
 */
export async function waitUntilActive(ctx: Context, created: Interface): Promise<Interface> {
  const startedMs = Date.now();
  const elapsed = () => formatDuration(Date.now() - startedMs);
  const tty = ctx.io.stderrIsTty;
  const progress = (iface: Interface) =>
    `waiting for interface ${iface.id} to become ACTIVE: ${statusName(iface.status)}, ${elapsed()}`;
  ctx.io.stderr.write(tty ? progress(created) : `${progress(created)}\n`);
  let current = created;
  let pollMs = firstPollMs;
  while (current.status !== InterfaceStatus.INTERFACE_STATUS_ACTIVE) {
    if (current.status === InterfaceStatus.INTERFACE_STATUS_FAILED) {
      if (tty) ctx.io.stderr.write('\n');
      throw new CliError(
        'failure',
        `interface ${current.id} is FAILED after ${elapsed()}: ${current.statusReason}`,
      );
    }
    if (ctx.remainingMs() <= pollMs) {
      if (tty) ctx.io.stderr.write('\n');
      throw new CliError(
        'failure',
        `DEADLINE_EXCEEDED: interface ${current.id} is still ${statusName(current.status)} after ${elapsed()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    pollMs = Math.min(maxPollMs, pollMs * 1.5);
    try {
      current = await ctx.clients.interfaces.getInterface({ id: created.id }, ctx.call());
    } catch (err) {
      // A poll cut short by the command's deadline is the timeout, said as above.
      if (!hasCode(err, Status.DEADLINE_EXCEEDED)) throw err;
    }
    if (tty) ctx.io.stderr.write(`\r\x1b[K${progress(current)}`);
  }
  ctx.io.stderr.write(
    `${tty ? '\r\x1b[K' : ''}interface ${current.id} is ACTIVE after ${elapsed()}\n`,
  );
  return current;
}
