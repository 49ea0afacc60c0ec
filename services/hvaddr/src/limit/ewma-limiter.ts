export interface EwmaLimiterOptions {
  /** Requests per second a client may sustain; above it its requests are refused. */
  readonly ratePerS: number;
  /**
   * Time constant of the moving average: how long the past weighs. A client that was quiet may
   * send a burst of about ratePerS * windowMs / 1000 requests before it is limited.
   */
  readonly windowMs: number;
  /** Clients tracked at once; the least recently seen is forgotten beyond it. */
  readonly maxClients: number;
}

interface ClientState {
  /** Requests per second, as of `atMs`. */
  rate: number;
  atMs: number;
}

/**
 * Per-client rate limiting by an exponentially weighted moving average of the request rate:
 * on each request the estimate decays by e^(-dt/window) and gains 1/window. Every request counts,
 * refused ones too, so a client that keeps flooding stays limited. Memory is bounded: at most
 * `maxClients` states, the least recently seen evicted first (a Map iterates in insertion order,
 * and a client seen again is re-inserted). Forgetting a client only forgets its rate, so a flood
 * of distinct clients costs memory no more than maxClients states. Not safe for concurrent use
 * across threads (Node has one).
 */
export class EwmaLimiter {
  private readonly clients = new Map<string, ClientState>();
  private readonly windowS: number;
  private evictedCount = 0;

  constructor(private readonly options: EwmaLimiterOptions) {
    if (!(options.ratePerS > 0 && options.windowMs > 0 && options.maxClients >= 1)) {
      throw new RangeError('ratePerS and windowMs must be > 0 and maxClients >= 1');
    }
    this.windowS = options.windowMs / 1000;
  }

  /** Records one request of `client` at `nowMs`; true when it is within the limit. */
  admit(client: string, nowMs: number): boolean {
    let state = this.clients.get(client);
    if (state === undefined) {
      if (this.clients.size >= this.options.maxClients) this.evictOldest();
      state = { rate: 0, atMs: nowMs };
    } else {
      this.clients.delete(client);
    }
    state.rate = decayed(state, nowMs, this.windowS) + 1 / this.windowS;
    state.atMs = Math.max(state.atMs, nowMs);
    this.clients.set(client, state);
    return state.rate <= this.options.ratePerS;
  }

  /** The current rate estimate of `client` (0 when untracked). */
  rateOf(client: string, nowMs: number): number {
    const state = this.clients.get(client);
    return state === undefined ? 0 : decayed(state, nowMs, this.windowS);
  }

  /** Calls `visit` with every tracked client's current rate estimate. */
  forEachRate(nowMs: number, visit: (ratePerS: number) => void): void {
    for (const state of this.clients.values()) visit(decayed(state, nowMs, this.windowS));
  }

  /**
   * Forgets clients whose rate has decayed below `belowPerS`: they are as good as new, and the
   * rate histogram should show the clients that are active.
   */
  sweep(nowMs: number, belowPerS: number): number {
    let removed = 0;
    for (const [client, state] of this.clients) {
      if (decayed(state, nowMs, this.windowS) < belowPerS) {
        this.clients.delete(client);
        removed += 1;
      }
    }
    return removed;
  }

  get size(): number {
    return this.clients.size;
  }

  get capacity(): number {
    return this.options.maxClients;
  }

  /** Clients forgotten to make room, since the start. */
  get evicted(): number {
    return this.evictedCount;
  }

  private evictOldest(): void {
    const oldest = this.clients.keys().next();
    if (!oldest.done) {
      this.clients.delete(oldest.value);
      this.evictedCount += 1;
    }
  }
}

function decayed(state: ClientState, nowMs: number, windowS: number): number {
  const elapsedS = Math.max(0, nowMs - state.atMs) / 1000;
  return state.rate * Math.exp(-elapsedS / windowS);
}
