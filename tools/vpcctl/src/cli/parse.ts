import { parseArgs } from 'node:util';
import { usageError } from './cli-error.js';
import { allOptions, type OptionValues } from './options.js';

export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly values: OptionValues;
}

/** Splits argv into words and options; options may stand anywhere. Unknown options are usage errors. */
export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  try {
    const { positionals, values } = parseArgs({
      args: [...argv],
      options: allOptions,
      allowPositionals: true,
      strict: true,
    });
    return { positionals, values };
  } catch (err) {
    throw usageError(oneLine((err as Error).message));
  }
}

/** node:util's messages go on with advice; the first sentence says what is wrong. */
function oneLine(message: string): string {
  return message.split(/\n|\. To specify/)[0]!.replace(/^Unknown option/, 'unknown option');
}
