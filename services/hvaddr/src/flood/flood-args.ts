import { parseArgs } from 'node:util';
import { parseIpv4 } from '../codec/ipv4.js';

export const floodUsage = `usage: hvaddr-flood --target HOST:PORT [--mode discover|transactions]
  [--clients N] [--mac-prefix XX:XX:XX] [--first N] [--rate R]
  [--packets N] [--bind ADDR] [--duration-ms MS] [--concurrency N] [--relay ADDR]

  --target HOST:PORT   the DHCP server
  --mode               discover: DHCPDISCOVERs at --rate, no replies awaited (default);
                       transactions: DISCOVER-OFFER-REQUEST-ACK exchanges as a relay agent
  --clients N          distinct client MACs, used in turn (default 1000)
  --mac-prefix P       first three bytes of every MAC (default random, locally administered)
  --first N            counter of the first MAC (default 0)
  --rate R             discover: packets per second (default 1000); transactions: starts
                       per second at most (default unlimited)
  --packets N          discover: packets in all (default --clients)
  --bind ADDR          discover: source address (default any)
  --duration-ms MS     transactions: how long (default 5000)
  --concurrency N      transactions: exchanges in flight (default 16)
  --relay ADDR         transactions: relay address bound at the target port (default 127.0.0.2)`;

export interface FloodArgs {
  readonly target: { readonly host: string; readonly port: number };
  readonly mode: 'discover' | 'transactions';
  readonly clients: number;
  readonly macPrefix: Buffer | undefined;
  readonly first: number;
  readonly ratePerS: number | undefined;
  readonly packets: number;
  readonly bindAddress: string | undefined;
  readonly durationMs: number;
  readonly concurrency: number;
  readonly relayAddress: string;
}

/** Parses the command line; throws one Error naming every bad flag. */
export function parseFloodArgs(argv: readonly string[]): FloodArgs {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      target: { type: 'string' },
      mode: { type: 'string', default: 'discover' },
      clients: { type: 'string', default: '1000' },
      'mac-prefix': { type: 'string' },
      first: { type: 'string', default: '0' },
      rate: { type: 'string' },
      packets: { type: 'string' },
      bind: { type: 'string' },
      'duration-ms': { type: 'string', default: '5000' },
      concurrency: { type: 'string', default: '16' },
      relay: { type: 'string', default: '127.0.0.2' },
    },
  });
  const problems: string[] = [];
  const number = (name: string, raw: string | undefined, min: number): number => {
    if (raw === undefined) return NaN;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || value < min) {
      problems.push(`--${name} must be a number >= ${min}`);
    }
    return value;
  };
  const integer = (name: string, raw: string | undefined, min: number): number => {
    const value = number(name, raw, min);
    if (raw !== undefined && !Number.isInteger(value)) problems.push(`--${name} must be whole`);
    return value;
  };
  const target = /^(.+):(\d+)$/.exec(values.target ?? '');
  if (!target || parseIpv4(target[1] as string) === undefined || Number(target[2]) > 65535) {
    problems.push('--target must be IPV4:PORT');
  }
  const mode = values.mode;
  if (mode !== 'discover' && mode !== 'transactions') {
    problems.push('--mode must be discover or transactions');
  }
  const prefix = values['mac-prefix'];
  if (prefix !== undefined && !/^[0-9a-f]{2}(:[0-9a-f]{2}){2}$/i.test(prefix)) {
    problems.push('--mac-prefix must be three bytes, as in 02:aa:bb');
  }
  for (const [name, value] of [
    ['bind', values.bind],
    ['relay', values.relay],
  ] as const) {
    if (value !== undefined && parseIpv4(value) === undefined) {
      problems.push(`--${name} must be an IPv4 address`);
    }
  }
  const clients = integer('clients', values.clients, 1);
  const parsed: FloodArgs = {
    target: { host: target?.[1] ?? '', port: Number(target?.[2] ?? 0) },
    mode: mode === 'transactions' ? 'transactions' : 'discover',
    clients,
    macPrefix: prefix === undefined ? undefined : Buffer.from(prefix.replaceAll(':', ''), 'hex'),
    first: integer('first', values.first, 0),
    ratePerS:
      values.rate !== undefined
        ? number('rate', values.rate, 0.001)
        : mode === 'discover'
          ? 1000
          : undefined,
    packets: values.packets === undefined ? clients : integer('packets', values.packets, 1),
    bindAddress: values.bind,
    durationMs: integer('duration-ms', values['duration-ms'], 1),
    concurrency: integer('concurrency', values.concurrency, 1),
    relayAddress: values.relay,
  };
  if (parsed.clients + parsed.first > 1 << 24) problems.push('--clients + --first exceeds 2^24');
  if (problems.length > 0) throw new Error(problems.join('; '));
  return Object.freeze(parsed);
}
