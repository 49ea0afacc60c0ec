import { readFileSync } from 'node:fs';
import type { ClientTlsOptions } from '@vpcd/rpc';
import { usageError } from './cli-error.js';
import { parseDurationMs } from './duration.js';
import type { OptionValues } from './options.js';

export type OutputFormat = 'table' | 'json';

/** The global options of one run, checked. */
export interface Settings {
  readonly address: string;
  /** Undefined when neither --token nor VPCD_TOKEN is set: calls then go without credentials. */
  readonly token: string | undefined;
  readonly tls: ClientTlsOptions | undefined;
  readonly output: OutputFormat;
  readonly timeoutMs: number;
  readonly verbose: boolean;
}

export const defaultAddress = '127.0.0.1:50051';
const defaultTimeoutMs = 10_000;
const defaultWaitTimeoutMs = 60_000;

/** Flags win over the environment; every bad global option is named in one usage error. */
export function compileSettings(
  values: OptionValues,
  env: Readonly<Record<string, string | undefined>>,
): Settings {
  const problems: string[] = [];
  const text = (name: keyof OptionValues) => {
    const v = values[name];
    return typeof v === 'string' ? v : undefined;
  };
  const outputText = text('output') ?? 'table';
  const output: OutputFormat = outputText === 'json' ? 'json' : 'table';
  if (outputText !== 'table' && outputText !== 'json')
    problems.push(`--output: "${outputText}" is not table or json`);
  let timeoutMs = values.wait === true ? defaultWaitTimeoutMs : defaultTimeoutMs;
  const timeout = text('timeout');
  if (timeout !== undefined) {
    const parsed = parseDurationMs(timeout);
    if (parsed === undefined) problems.push(`--timeout: "${timeout}" is not a duration like 30s`);
    else timeoutMs = parsed;
  }
  const read = (name: 'tls-ca' | 'tls-cert' | 'tls-key') => {
    const path = text(name);
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      problems.push(`--${name}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? ''}`);
      return undefined;
    }
  };
  const ca = read('tls-ca');
  const cert = read('tls-cert');
  const key = read('tls-key');
  if ((text('tls-cert') === undefined) !== (text('tls-key') === undefined))
    problems.push('--tls-cert and --tls-key go together');
  const serverName = text('tls-server-name');
  const tlsOn = [ca, cert, key, serverName].some((x) => x !== undefined);
  if (problems.length > 0) throw usageError(problems.join('; '));
  const token = text('token') ?? env.VPCD_TOKEN;
  return {
    address: text('addr') ?? env.NORTHD_ADDR ?? defaultAddress,
    token: token === '' ? undefined : token,
    tls: tlsOn ? { ca, cert, key, serverName } : undefined,
    output,
    timeoutMs,
    verbose: values.verbose === true,
  };
}
