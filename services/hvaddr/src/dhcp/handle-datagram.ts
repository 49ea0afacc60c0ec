import type { Logger } from 'pino';
import type { BindingTable } from '../bindings/binding-table.js';
import {
  DhcpCodecError,
  type DhcpPacket,
  hardwareAddressOf,
  parseDhcp,
  serializeDhcp,
} from '@vpcd/dhcp';
import type { EwmaLimiter } from '../limit/ewma-limiter.js';
import type { HvaddrMetrics } from '../metrics.js';
import { classifyRequest } from './classify.js';
import { replyDestination, steeredReplyDestination, type Destination } from './destination.js';
import { identifyClient, rateKey, type ClientIdentity } from './identify-client.js';
import { respond, type ResponderSettings } from './responder.js';

export interface DatagramHandlerOptions {
  /** How a request's interface is found; default `chaddr`. */
  readonly identity?: ClientIdentity;
  readonly table: BindingTable;
  readonly limiter: EwmaLimiter;
  readonly settings: ResponderSettings;
  readonly metrics: HvaddrMetrics;
  /** The server port, where replies to relay agents go. */
  readonly serverPort: number;
  readonly send: (datagram: Buffer, to: Destination) => Promise<void>;
  readonly logger: Logger;
  readonly now?: () => number;
}

/**
 * Handles one datagram: parse, check it is a client message (and, steered, not relayed),
 * rate-limit its client (its port, or its chaddr), find the client's binding, answer. `mark` is
 * the datagram's UDP source port, which names the ingress port of a steered request. Every
 * datagram that gets no answer is counted with a reason; nothing it contains can make this
 * throw. Floods are logged at debug only.
 */
export function createDatagramHandler(
  options: DatagramHandlerOptions,
): (datagram: Buffer, mark: number) => Promise<void> {
  const { table, limiter, settings, metrics, logger } = options;
  const identity = options.identity ?? { kind: 'chaddr' };
  const now = options.now ?? Date.now;
  return async (datagram, mark) => {
    let packet: DhcpPacket;
    try {
      packet = parseDhcp(datagram);
    } catch (err) {
      if (!DhcpCodecError.is(err)) throw err;
      metrics.dropped(err.code);
      logger.debug({ reason: err.code, detail: err.message }, 'malformed datagram dropped');
      return;
    }
    const classified = classifyRequest(packet);
    if (!classified.ok) {
      metrics.dropped(classified.reason);
      return;
    }
    const mac = hardwareAddressOf(packet);
    if (identity.kind === 'port' && packet.giaddr !== '0.0.0.0') {
      metrics.dropped('relayed');
      logger.debug({ mac, mark, giaddr: packet.giaddr }, 'a guest sent a relayed request');
      return;
    }
    if (!limiter.admit(rateKey(identity, packet, mark), now())) {
      metrics.dropped('rate_limited');
      return;
    }
    const identified = await identifyClient(identity, table, packet, mark);
    if (!identified.ok) {
      metrics.dropped(identified.reason);
      logger.debug({ mac, mark, type: classified.type, reason: identified.reason }, 'dropped');
      return;
    }
    const { binding } = identified;
    const response = respond(packet, classified.type, binding, settings);
    metrics.handled(classified.type, response.result);
    const log = { mac, interfaceId: binding.interfaceId, type: classified.type };
    if (response.result === 'declined') {
      logger.warn({ ...log, ip: binding.ip, detail: response.detail }, 'client declined');
    } else {
      logger.debug({ ...log, result: response.result, detail: response.detail }, 'answered');
    }
    if (response.reply === undefined) return;
    const isNak = response.result === 'nak';
    const to =
      identity.kind === 'port'
        ? steeredReplyDestination(packet, isNak, mark, binding.ip)
        : replyDestination(packet, isNak, options.serverPort);
    try {
      await options.send(serializeDhcp(response.reply), to);
    } catch (err) {
      metrics.sendFailed();
      logger.warn({ ...log, err, to }, 'sending the reply failed');
    }
  };
}
