import { Counter, type Registry } from 'prom-client';
import { dropReasons, type DropReason } from './dhcp/drop-reason.js';
import type { RequestType } from './dhcp/classify.js';
import type { RequestResult } from './dhcp/responder.js';

/** The counters of the DHCP path; the collectors of the limiter and sockets are separate. */
export interface HvaddrMetrics {
  dropped(reason: DropReason): void;
  handled(type: RequestType, result: RequestResult): void;
  sendFailed(): void;
}

export function createHvaddrMetrics(registry: Registry): HvaddrMetrics {
  const dropped = new Counter({
    name: 'hvaddr_dropped_total',
    help: 'Datagrams dropped unanswered before the protocol handled them, by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  for (const reason of dropReasons) dropped.inc({ reason }, 0);
  const rateLimited = new Counter({
    name: 'hvaddr_rate_limited_total',
    help: 'Requests dropped because their client was over RATE_LIMIT_PER_S.',
    registers: [registry],
  });
  const requests = new Counter({
    name: 'hvaddr_requests_total',
    help: 'DHCP messages of bound clients handled, by type and result.',
    labelNames: ['type', 'result'],
    registers: [registry],
  });
  const sendErrors = new Counter({
    name: 'hvaddr_send_errors_total',
    help: 'Replies the socket failed to send.',
    registers: [registry],
  });
  return {
    dropped(reason) {
      dropped.inc({ reason });
      if (reason === 'rate_limited') rateLimited.inc();
    },
    handled(type, result) {
      requests.inc({ type, result });
    },
    sendFailed() {
      sendErrors.inc();
    },
  };
}
