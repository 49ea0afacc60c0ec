import { isCliError } from './cli/cli-error.js';
import { CommandContext } from './cli/command-context.js';
import { errorLine } from './cli/error-line.js';
import type { Io } from './cli/io.js';
import { parseCommandLine } from './cli/parse.js';
import { compileSettings, type Settings } from './cli/settings.js';
import type { Command } from './commands/command.js';
import { generalUsage, helpText, resolveCommand } from './commands/registry.js';

/**
 * Runs one vpcctl command line and returns its exit code: 0 done, 1 failed (one line on stderr),
 * 2 usage error (the line and the command's usage). Never throws; never touches `process`.
 */
export async function run(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: Io,
): Promise<number> {
  let settings: Settings | undefined;
  let context: CommandContext | undefined;
  let resolved: Command | undefined;
  try {
    const { positionals, values } = parseCommandLine(argv);
    if (values.help === true) {
      io.stdout.write(helpText(positionals));
      return 0;
    }
    const { command, args } = resolveCommand(positionals, values);
    resolved = command;
    settings = compileSettings(values, env);
    context = new CommandContext(settings, io);
    await command.run(context, { args, options: values });
    return 0;
  } catch (err) {
    const line = errorLine(err, {
      address: settings?.address,
      tokenGiven: settings && settings.token !== undefined,
    });
    io.stderr.write(`vpcctl: ${line}\n`);
    if (isCliError(err) && err.kind === 'usage') {
      const usage = err.usage ?? (resolved ? `usage: vpcctl ${resolved.usage}` : generalUsage);
      io.stderr.write(`${usage}\n`);
    }
    return isCliError(err) ? err.exitCode : 1;
  } finally {
    context?.close();
  }
}
