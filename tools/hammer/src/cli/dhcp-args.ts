import { isIPv4 } from 'node:net';
import { defaultMacPrefix, maxClients, parseMacPrefix } from '../dhcp/client-macs.js';
import { defaultRelayAddress, parseServer, type DhcpTargetOptions } from '../dhcp/dhcp-target.js';
import { checkOption, count } from './option-check.js';

export const dhcpDefaultMix = 'transaction';
export const dhcpDefaultTimeout = '1s';

/** The options of `--mode dhcp`; the server defaults to 127.0.0.1:67. */
export const dhcpOptionNames = ['server', 'clients', 'first', 'mac-prefix', 'relay'] as const;

export function readDhcpOptions(
  values: {
    server?: string;
    clients?: string;
    first?: string;
    'mac-prefix'?: string;
    relay?: string;
  },
  callTimeoutMs: number | undefined,
  problems: string[],
): DhcpTargetOptions {
  const server = values.server ?? '127.0.0.1:67';
  const parsed = parseServer(server);
  if (!parsed) problems.push(`--server: "${server}" is not IPV4:PORT`);
  const clients = checkOption(problems, 'clients', values.clients, count, 'a whole number > 0');
  if (clients !== undefined && clients > maxClients)
    problems.push(`--clients: at most ${maxClients}`);
  const firstClient = checkOption(
    problems,
    'first',
    values.first,
    (t) => (/^\d+$/.test(t) ? Number(t) : undefined),
    'a whole number >= 0',
  );
  if ((firstClient ?? 0) + (clients ?? 100) > maxClients)
    problems.push(`--first + --clients: at most ${maxClients}`);
  checkOption(
    problems,
    'mac-prefix',
    values['mac-prefix'],
    parseMacPrefix,
    'xx:xx:xx, locally administered unicast (02, 06, 0a, ... first)',
  );
  const relayAddress = checkOption(
    problems,
    'relay',
    values.relay,
    (t) => (isIPv4(t) ? t : undefined),
    'an IPv4 address',
  );
  if ((relayAddress ?? defaultRelayAddress) === parsed?.host)
    problems.push(
      "--relay: the relay agent needs an address other than the server's (both bind its port)",
    );
  return {
    server,
    clients,
    ...(firstClient !== undefined && { firstClient }),
    macPrefix: values['mac-prefix'] ?? defaultMacPrefix,
    relayAddress,
    callTimeoutMs,
  };
}
