import { messageTypes } from '@vpcd/api';
import type { Broker, Handler, TransientQueue } from '@vpcd/messaging';
import type { Logger } from 'pino';
import type { AuthMetrics } from './auth-metrics.js';
import type { TokenResolver } from './token-resolver.js';

/** The fanout exchange on which a northd that revoked a token tells every northd (its id). */
export const revocationsExchange = 'vpcd.northd.tokens.revoked';

/**
 * Token revocations, broadcast: each northd binds a queue of its own to a fanout exchange and
 * drops a revoked token from its cache when told, so no northd honours it for longer than a
 * broker round trip. The message only drops a cache entry: the database stays the authority,
 * so a replayed message costs one lookup, never a refusal; like every bus message it is signed. While the broker is
 * unreachable a missed message is covered by the cache TTL, and on reconnect every cached
 * token is looked up again (messages sent meanwhile are gone with the old queue).
 */
export class TokenRevocations {
  private wasConnected = false;

  constructor(
    private readonly broker: Broker,
    private readonly northdId: string,
    private readonly resolver: TokenResolver,
    private readonly metrics: AuthMetrics,
    private readonly logger: Logger,
  ) {}

  readonly exchange = { name: revocationsExchange, type: 'fanout' as const };

  /** This instance's queue on the exchange. */
  queue(): TransientQueue {
    return {
      name: `${revocationsExchange}.${this.northdId}`,
      kind: 'transient',
      bindings: [{ exchange: revocationsExchange }],
    };
  }

  /** Consumes this instance's queue. */
  readonly handler: Handler = (delivery) => {
    this.metrics.revocations.inc({ event: 'received' });
    this.resolver.forget(delivery.body.toString('utf8'));
    return Promise.resolve('ack');
  };

  /**
   * Drops the token here and tells every northd; rejects when the broker did not confirm (the
   * others then refuse the token only once their cache entry expires).
   */
  async announce(tokenId: string): Promise<void> {
    this.resolver.forget(tokenId);
    try {
      await this.broker.publish(revocationsExchange, '', Buffer.from(tokenId, 'utf8'), {
        persistent: false,
        type: messageTypes.tokenRevoked,
      });
      this.metrics.revocations.inc({ event: 'sent' });
    } catch (err) {
      this.metrics.revocations.inc({ event: 'unsent' });
      this.logger.warn({ err, tokenId }, 'token revocation not broadcast');
      throw err;
    }
  }

  /**
   * Called before each cache read: after a broker outage, revocations may have been missed, so
   * the valid-token cache starts again.
   */
  checkConnection(): void {
    const connected = this.broker.connected;
    if (connected && !this.wasConnected) this.resolver.forgetAll();
    this.wasConnected = connected;
  }
}
