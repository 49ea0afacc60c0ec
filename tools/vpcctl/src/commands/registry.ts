import { usageError } from '../cli/cli-error.js';
import { globalOptions, globalUsage, type OptionValues } from '../cli/options.js';
import { chassisCommands } from './chassis.js';
import type { Command } from './command.js';
import { interfaceCommands } from './interface.js';
import { projectCommands } from './project.js';
import { statusCommand } from './status.js';
import { tokenCommands } from './token.js';
import { vpcCommands } from './vpc.js';

/** Every command, in the order help lists them. */
export const commands: readonly Command[] = [
  ...projectCommands,
  ...tokenCommands,
  ...vpcCommands,
  ...interfaceCommands,
  ...chassisCommands,
  statusCommand,
];

export const generalUsage =
  "usage: vpcctl COMMAND [ARGS] [options]; 'vpcctl --help' lists the commands";

/** The command the words select, with its positional arguments; usage errors for the rest. */
export function resolveCommand(
  positionals: readonly string[],
  values: OptionValues,
): { command: Command; args: string[] } {
  if (positionals.length === 0) throw usageError('no command given', generalUsage);
  const command = commands.find((c) => c.words.every((w, i) => positionals[i] === w));
  if (!command) {
    const group = commands.filter((c) => c.words[0] === positionals[0]);
    const usage =
      group.length > 0 ? group.map((c) => `usage: vpcctl ${c.usage}`).join('\n') : generalUsage;
    throw usageError(`unknown command "${positionals.slice(0, 2).join(' ')}"`, usage);
  }
  const usage = `usage: vpcctl ${command.usage}`;
  const name = command.words.join(' ');
  const args = positionals.slice(command.words.length);
  if (args.length < command.args.length)
    throw usageError(`${name}: missing ${command.args.slice(args.length).join(' ')}`, usage);
  if (args.length > command.args.length)
    throw usageError(`${name}: unexpected argument "${args[command.args.length]}"`, usage);
  for (const key of Object.keys(values)) {
    if (!(key in globalOptions) && !(command.options as readonly string[]).includes(key))
      throw usageError(`${name}: --${key} does not apply here`, usage);
  }
  for (const key of command.required ?? []) {
    if (typeof values[key] !== 'string' || values[key] === '')
      throw usageError(`${name}: --${key} is required`, usage);
  }
  return { command, args };
}

/** `vpcctl --help`, or the help of one command or group (`vpcctl vpc --help`). */
export function helpText(positionals: readonly string[]): string {
  const matching = commands.filter((c) => positionals.every((w, i) => c.words[i] === w));
  const shown = matching.length > 0 ? matching : commands;
  const width = Math.max(...shown.map((c) => c.usage.length));
  const lines = shown.map((c) =>
    c.usage.length > 60
      ? `  ${c.usage}\n      ${c.summary}`
      : `  ${c.usage.padEnd(Math.min(width, 60))}  ${c.summary}`,
  );
  return [
    'vpcctl: the vpcd operator CLI, a gRPC client of northd',
    '',
    'Commands:',
    ...lines,
    '',
    globalUsage,
    '',
    'Exit codes: 0 done, 1 the call failed (one line on stderr: code and fields), 2 usage.',
    '',
  ].join('\n');
}
