import { isIPv4 } from 'node:net';
import {
  addressOption,
  type DhcpPacket,
  discoverPacket,
  MessageType,
  messageTypeOf,
  Option,
  requestPacket,
} from '@vpcd/dhcp';
import { HammerError } from '../hammer-error.js';
import type { CallOutcome, Target, TargetSummary } from '../target.js';
import {
  clientMac,
  defaultMacPrefix,
  formatMac,
  maxClients,
  parseMacPrefix,
} from './client-macs.js';
import { DhcpCallError } from './dhcp-call-error.js';
import { openRelayAgent, type RelayAgent } from './relay-agent.js';

export interface DhcpTargetOptions {
  /** The DHCP server, `IPV4:PORT` (hvaddr's DHCP_LISTEN, or an address it receives on). */
  readonly server: string;
  /** Distinct clients (MACs), used in turn. Default 100. */
  readonly clients?: number;
  /** The MAC counter of the first client: client i's MAC ends in firstClient + i. Default 0. */
  readonly firstClient?: number;
  /** The first three bytes of every client MAC; the last three count from 0. Default 02:68:6d. */
  readonly macPrefix?: string;
  /**
   * The relay agent's address: bound at the server's port and sent in `giaddr`, so replies come
   * back to it. An address of this host the server can reach, not the server's own. Default
   * 127.0.0.2.
   */
  readonly relayAddress?: string;
  /** How long one call waits for all its replies together. Default 1000 ms. */
  readonly callTimeoutMs?: number;
}

/** Runs of at most this many clients note each client's last acknowledged address. */
export const maxNotedLeases = 100;

/** Any 127/8 address is local on Linux; the server usually listens on 127.0.0.1. */
export const defaultRelayAddress = '127.0.0.2';

/**
 * The calls: `transaction` is DISCOVER-OFFER-REQUEST-ACK, `discover` is DISCOVER-OFFER, and
 * `flood` is one DISCOVER sent as the client itself (no giaddr), no answer awaited: the flood a
 * misbehaving or hostile VM fleet makes, ok once the datagram is sent.
 */
export const dhcpCallNames = ['transaction', 'discover', 'flood'] as const;

/**
 * DHCP exchanges against a server (hvaddr) as a hammer Target: many clients, each call one
 * exchange, sent as a relay agent on this host would forward them.
 */
export function createDhcpTarget(options: DhcpTargetOptions): Target {
  const server = parseServer(options.server);
  const clients = options.clients ?? 100;
  const firstClient = options.firstClient ?? 0;
  const prefix = parseMacPrefix(options.macPrefix ?? defaultMacPrefix);
  const relayAddress = options.relayAddress ?? defaultRelayAddress;
  const callTimeoutMs = options.callTimeoutMs ?? 1000;
  const problems: string[] = [];
  if (!server) problems.push(`server "${options.server}" is not IPV4:PORT`);
  if (!(Number.isInteger(clients) && clients > 0 && clients <= maxClients))
    problems.push(`clients must be a whole number from 1 to ${maxClients}`);
  else if (!(
    Number.isInteger(firstClient) &&
    firstClient >= 0 &&
    firstClient + clients <= maxClients
  ))
    problems.push(`firstClient + clients must be a whole number up to ${maxClients}`);
  if (!prefix)
    problems.push(
      `MAC prefix "${options.macPrefix}" is not xx:xx:xx, locally administered unicast`,
    );
  if (!isIPv4(relayAddress)) problems.push(`relay address "${relayAddress}" is not IPv4`);
  else if (relayAddress === server?.host)
    problems.push('the relay address must differ from the server address (both bind its port)');
  if (!(callTimeoutMs > 0)) problems.push('callTimeoutMs must be > 0');
  if (problems.length > 0) throw new HammerError('usage', problems.join('; '));
  const macOf = (index: number) => clientMac(prefix!, firstClient + index);
  /** The address each client was last acknowledged, noted in the report for a few clients. */
  const leases = new Map<string, string>();
  const target = server!;
  let next = 0;
  let relay: RelayAgent | undefined;

  const offer = async (agent: RelayAgent, mac: Uint8Array, deadlineMs: number) => {
    const xid = agent.freeXid();
    const discover = discoverPacket({ mac, xid, giaddr: agent.address });
    const reply = await agent.exchange(discover, xid, mac, deadlineMs);
    if (!reply) throw new DhcpCallError('NoOffer', `no offer for ${formatMac(mac)}`);
    const serverId = addressOption(reply, Option.SERVER_ID);
    if (messageTypeOf(reply) !== MessageType.OFFER || serverId === undefined)
      throw badReply(reply, 'DISCOVER');
    return { offer: reply, serverId };
  };

  const acknowledge = async (agent: RelayAgent, mac: Uint8Array, deadlineMs: number) => {
    const { offer: offered, serverId } = await offer(agent, mac, deadlineMs);
    const xid = agent.freeXid();
    const request = requestPacket({
      mac,
      xid,
      giaddr: agent.address,
      serverId,
      requestedIp: offered.yiaddr,
    });
    const reply = await agent.exchange(request, xid, mac, deadlineMs);
    if (!reply) throw new DhcpCallError('Timeout', `no answer to the REQUEST of ${formatMac(mac)}`);
    const type = messageTypeOf(reply);
    if (type === MessageType.NAK)
      throw new DhcpCallError('Nak', `${offered.yiaddr} refused to ${formatMac(mac)}`);
    if (type !== MessageType.ACK) throw badReply(reply, 'REQUEST');
    if (clients <= maxNotedLeases) leases.set(formatMac(mac), reply.yiaddr);
  };

  return {
    kind: 'dhcp',
    description: `DHCP server at ${target.host}:${target.port}`,
    calls: dhcpCallNames,

    async prepare() {
      try {
        relay = await openRelayAgent(target, relayAddress);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? String(err);
        throw new HammerError(
          'setup',
          `cannot bind the relay agent to ${relayAddress}:${target.port}: ${code}` +
            (code === 'EACCES' ? ' (ports below 1024 need root)' : ''),
          { cause: err },
        );
      }
    },

    async invoke(call): Promise<CallOutcome> {
      if (!relay) throw new Error('invoke() before prepare()');
      const mac = macOf(next++ % clients);
      const deadlineMs = performance.now() + callTimeoutMs;
      if (call === 'flood') await relay.send(discoverPacket({ mac, xid: relay.freeXid() }));
      else if (call === 'discover') await offer(relay, mac, deadlineMs);
      else await acknowledge(relay, mac, deadlineMs);
      return 'ok';
    },

    errorCode: (err) => (DhcpCallError.is(err) ? err.code : 'Unknown'),

    async close(): Promise<TargetSummary> {
      const notes = [
        `${clients} clients: MACs ${formatMac(macOf(0))} to ${formatMac(macOf(clients - 1))}, relay agent ${relayAddress}`,
      ];
      for (const [mac, ip] of leases) notes.push(`${mac} acknowledged ${ip}`);
      if (relay) {
        if (relay.strays > 0)
          notes.push(`${relay.strays} datagrams matched no waiting call (late or stray replies)`);
        await relay.close();
        relay = undefined;
      }
      return { setUp: {}, cleanedUp: {}, notes };
    },
  };
}

function badReply(reply: DhcpPacket, to: string): DhcpCallError {
  const type = messageTypeOf(reply);
  return new DhcpCallError('BadReply', `message type ${type ?? 'none'} in answer to a ${to}`);
}

/** `IPV4:PORT` as host and port, or undefined. */
export function parseServer(text: string): { host: string; port: number } | undefined {
  const match = /^(.+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || !isIPv4(match[1]!) || port < 1 || port > 65535) return undefined;
  return { host: match[1]!, port };
}
