import type { ParseArgsConfig } from 'node:util';

type OptionSpec = NonNullable<ParseArgsConfig['options']>[string];

/** Options every command takes. */
export const globalOptions = {
  addr: { type: 'string' },
  token: { type: 'string' },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-server-name': { type: 'string' },
  output: { type: 'string', short: 'o' },
  timeout: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Record<string, OptionSpec>;

/** Options of single commands; a command lists the ones it takes. One type per name. */
export const commandOptions = {
  cidr: { type: 'string' },
  project: { type: 'string' },
  'request-id': { type: 'string' },
  vpc: { type: 'string' },
  chassis: { type: 'string' },
  ip: { type: 'string' },
  mac: { type: 'string' },
  wait: { type: 'boolean' },
  limit: { type: 'string' },
  hostname: { type: 'string' },
  'underlay-ip': { type: 'string' },
  'hvflowd-addr': { type: 'string' },
  ttl: { type: 'string' },
  'expire-time': { type: 'string' },
} as const satisfies Record<string, OptionSpec>;

export type GlobalOption = keyof typeof globalOptions;
export type CommandOption = keyof typeof commandOptions;

/** Parsed option values: strings, and `true` for the boolean flags. */
export type OptionValues = Partial<Record<GlobalOption | CommandOption, string | boolean>>;

export const allOptions = { ...globalOptions, ...commandOptions };

export const globalUsage = `Global options:
  --addr HOST:PORT        northd (default $NORTHD_ADDR, else 127.0.0.1:50051)
  --token TOKEN           bearer token (default $VPCD_TOKEN)
  --tls-ca FILE           TLS: CA bundle of the server certificate (turns TLS on)
  --tls-cert FILE         TLS: client certificate (with --tls-key)
  --tls-key FILE          TLS: client key
  --tls-server-name NAME  TLS: name to verify the server certificate against
  -o, --output FORMAT     table (default) or json
  --timeout DURATION      how long the command may take, waiting included (default 10s; 60s with --wait)
  -v, --verbose           log every call to stderr
  -h, --help              this help`;
