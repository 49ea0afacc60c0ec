import type { CallSettings } from '@vpcd/rpc';
import type { Clients } from '../cli/clients.js';
import type { Io } from '../cli/io.js';
import type { CommandOption, OptionValues } from '../cli/options.js';
import type { Settings } from '../cli/settings.js';

/** What a command runs with. */
export interface Context {
  readonly settings: Settings;
  readonly io: Io;
  /** Opened on first use. */
  readonly clients: Clients;
  /** Settings of the next call: its deadline is what is left of --timeout. */
  call(): CallSettings;
  /** Milliseconds left of --timeout. */
  remainingMs(): number;
}

/** The words and options of one invocation, checked against the command's declaration. */
export interface Invocation {
  /** The positional arguments after the command's words, one per name in `args`. */
  readonly args: readonly string[];
  readonly options: OptionValues;
}

/** One command, e.g. `vpc create`. */
export interface Command {
  /** The words that select it: `['vpc', 'create']`, `['status']`. */
  readonly words: readonly string[];
  /** Names of its positional arguments, in order, all required: `['NAME']`. */
  readonly args: readonly string[];
  /** The command options it takes (the global ones always apply). */
  readonly options: readonly CommandOption[];
  /** The command options it cannot do without. */
  readonly required?: readonly CommandOption[];
  /** Its usage after `vpcctl `, e.g. `vpc create NAME --cidr CIDR [--project ID]`. */
  readonly usage: string;
  readonly summary: string;
  run(ctx: Context, inv: Invocation): Promise<void>;
}

/** A string option's value, or undefined. */
export function option(inv: Invocation, name: CommandOption): string | undefined {
  const v = inv.options[name];
  return typeof v === 'string' ? v : undefined;
}
