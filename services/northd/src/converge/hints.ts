import { messageTypes, queues } from '@vpcd/api';
import type { Broker, TransientQueue } from '@vpcd/messaging';
import type { Logger } from 'pino';
import type { ConvergeMetrics } from './converge-metrics.js';

/**
 * Change hints: the instance that commits a change tells every instance (itself included)
 * through a fanout exchange, so converge loops wake at once instead of at their next periodic
 * pass. A lost hint costs latency, never correctness. A hint carries nothing secret, but it is
 * signed like every bus message: a forged one, which could only wake loops (a pass of queries
 * on every northd per forged hint), is refused instead. Sends coalesce: while one is in flight,
 * further ones collapse into a single follow-up.
 */
export class ChangeHints {
  private inFlight = false;
  private pending = false;

  constructor(
    private readonly broker: Broker,
    private readonly northdId: string,
    private readonly metrics: ConvergeMetrics,
    private readonly logger: Logger,
  ) {}

  /** This instance's queue on the hints exchange. */
  queue(): TransientQueue {
    return {
      name: `${queues.hintsExchange}.${this.northdId}`,
      kind: 'transient',
      bindings: [{ exchange: queues.hintsExchange }],
    };
  }

  send(): void {
    if (this.inFlight) {
      this.pending = true;
      return;
    }
    this.inFlight = true;
    this.broker
      .publish(queues.hintsExchange, '', Buffer.alloc(0), {
        persistent: false,
        type: messageTypes.changeHint,
      })
      .then(
        () => this.metrics.hints.inc({ direction: 'sent' }),
        (err: unknown) =>
          this.logger.debug({ err }, 'change hint not sent; the periodic pass will catch up'),
      )
      .finally(() => {
        this.inFlight = false;
        if (this.pending) {
          this.pending = false;
          this.send();
        }
      });
  }
}
