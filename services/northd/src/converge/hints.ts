import { messageTypes, queues } from '@vpcd/api';
import type { Broker, TransientQueue } from '@vpcd/messaging';
import type { Logger } from 'pino';
import type { ConvergeMetrics } from './converge-metrics.js';
import type { AckOutcome } from './reconciler.js';

/** An acknowledgement recorded by one northd, passed on to the chassis' owner. */
export interface AckNote {
  readonly chassisId: string;
  readonly epoch: number;
  readonly generation: number;
  readonly outcome: AckOutcome;
}

/** What a hint says: the chassis to reconcile, and acks their owners have not seen. */
export interface Hint {
  readonly chassis: readonly string[];
  readonly acks: readonly AckNote[];
}

/** Above this many chassis a hint names none: every northd runs its safety pass instead. */
const maxHintChassis = 10_000;

/**
 * Change hints: the instance that commits a change, or records an ack, tells every instance
 * through a fanout exchange which chassis it touched, so their owners reconcile them at once
 * instead of at their next safety pass. The body is JSON, proportional to the change: the
 * chassis ids, and the acks recorded (so the owner knows its message was answered without a
 * read). An empty body names nothing and asks every northd for a safety pass (what a northd
 * of the previous release sends). A lost hint costs latency, never correctness. A hint is
 * signed like every bus message: a forged one is refused. Sends coalesce: while one is in
 * flight, what is sent meanwhile is gathered into one follow-up.
 */
export class ChangeHints {
  private inFlight = false;
  private readonly chassis = new Set<string>();
  private acks: AckNote[] = [];
  private everything = false;

  constructor(
    private readonly broker: Pick<Broker, 'publish'>,
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

  /** Tells every northd about these chassis (undefined: about every chassis). Never throws. */
  send(chassisIds: Iterable<string> | undefined, acks: readonly AckNote[] = []): void {
    if (chassisIds === undefined) this.everything = true;
    else for (const id of chassisIds) this.chassis.add(id);
    this.acks.push(...acks);
    if (this.chassis.size > maxHintChassis) this.everything = true;
    if (!this.inFlight) this.flush();
  }

  private flush(): void {
    if (!this.everything && this.chassis.size === 0 && this.acks.length === 0) return;
    const body = this.everything
      ? Buffer.alloc(0)
      : Buffer.from(JSON.stringify({ chassis: [...this.chassis], acks: this.acks }));
    this.everything = false;
    this.chassis.clear();
    this.acks = [];
    this.inFlight = true;
    this.broker
      .publish(queues.hintsExchange, '', body, { persistent: false, type: messageTypes.changeHint })
      .then(
        () => this.metrics.hints.inc({ direction: 'sent' }),
        (err: unknown) =>
          this.logger.debug({ err }, 'change hint not sent; the safety pass will catch up'),
      )
      .finally(() => {
        this.inFlight = false;
        this.flush();
      });
  }
}

/**
 * Reads a hint's body; undefined for one that names nothing (every chassis is to be looked at).
 * Throws on a body that is not a hint.
 */
export function decodeHint(body: Buffer): Hint | undefined {
  if (body.length === 0) return undefined;
  const parsed = JSON.parse(body.toString('utf8')) as unknown;
  const o = parsed as { chassis?: unknown; acks?: unknown };
  const isNote = (a: unknown): a is AckNote => {
    const n = a as AckNote;
    return (
      typeof n === 'object' &&
      n !== null &&
      typeof n.chassisId === 'string' &&
      Number.isSafeInteger(n.epoch) &&
      Number.isSafeInteger(n.generation) &&
      ['applied', 'needs_full', 'refused', 'error'].includes(n.outcome)
    );
  };
  if (
    typeof o !== 'object' ||
    o === null ||
    !Array.isArray(o.chassis) ||
    !o.chassis.every((c) => typeof c === 'string') ||
    !Array.isArray(o.acks) ||
    !o.acks.every(isNote)
  ) {
    throw new Error('not a change hint');
  }
  return { chassis: o.chassis, acks: o.acks };
}
