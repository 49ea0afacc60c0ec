import type { Logger } from 'pino';
import type { BindingTable } from '../bindings/binding-table.js';
import { DhcpCodecError } from '../codec/codec-error.js';
import { hardwareAddressOf, type DhcpPacket } from '../codec/packet.js';
import { parseDhcp } from '../codec/parse.js';
import { serializeDhcp } from '../codec/serialize.js';
import type { EwmaLimiter } from '../limit/ewma-limiter.js';
import type { HvaddrMetrics } from '../metrics.js';
import { classifyRequest } from './classify.js';
import { replyDestination, type Destination } from './destination.js';
import { respond, type ResponderSettings } from './responder.js';

export interface DatagramHandlerOptions {
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
 * Handles one datagram: parse, check it is a client message, rate-limit its client, look up
 * the client's binding, answer. Every datagram that gets no answer is counted with a reason;
 * nothing it contains can make this throw. Floods are logged at debug only.
 */
export function createDatagramHandler(
  options: DatagramHandlerOptions,
): (datagram: Buffer) => Promise<void> {
  const { table, limiter, settings, metrics, logger } = options;
  const now = options.now ?? Date.now;
  return async (datagram) => {
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
    if (!limiter.admit(mac, now())) {
      metrics.dropped('rate_limited');
      return;
    }
    const binding = table.get(mac);
    if (binding === undefined) {
      metrics.dropped('unknown_client');
      logger.debug({ mac, type: classified.type }, 'not a VPC interface of this chassis');
      return;
    }
    const response = respond(packet, classified.type, binding, settings);
    metrics.handled(classified.type, response.result);
    const log = { mac, interfaceId: binding.interfaceId, type: classified.type };
    if (response.result === 'declined') {
      logger.warn({ ...log, ip: binding.ip, detail: response.detail }, 'client declined');
    } else {
      logger.debug({ ...log, result: response.result, detail: response.detail }, 'answered');
    }
    if (response.reply === undefined) return;
    const to = replyDestination(packet, response.result === 'nak', options.serverPort);
    try {
      await options.send(serializeDhcp(response.reply), to);
    } catch (err) {
      metrics.sendFailed();
      logger.warn({ ...log, err, to }, 'sending the reply failed');
    }
  };
}
