// A TCP proxy the chaos suites own, put between a service and MySQL or RabbitMQ to make the
// network misbehave in ways a restart of the server cannot: added latency, and half-open
// connections (a peer that vanished without FIN or RST, or a middlebox that silently drops).
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface FaultProxyOptions {
  /** Where the proxied connections go. */
  readonly upstreamHost: string;
  readonly upstreamPort: number;
}

export interface FaultProxyStats {
  /** Connections accepted since start. */
  readonly accepted: number;
  /** Connections whose client has neither closed nor half-closed its side. */
  readonly open: number;
  /** Connections that were passing bytes when the last halfOpen() cut them. */
  readonly cutOff: number;
  /** Of those, how many their client closed before heal(): it noticed the silence itself. */
  readonly cutOffClosedByClient: number;
}

/** A running proxy on 127.0.0.1; safe to drive from one test at a time. */
export interface FaultProxy {
  readonly host: string;
  readonly port: number;
  stats(): FaultProxyStats;
  /**
   * Delays every chunk by `ms` in each direction (a round trip gains 2 * ms), keeping the byte
   * order of each direction even when the latency is lowered while chunks wait. 0 removes it.
   */
  setLatency(ms: number): void;
  /**
   * Stops every connection from passing bytes, in both directions, without sending FIN or RST
   * to either side: data and closes are read and dropped, so only the endpoints' own heartbeats
   * and timeouts can notice. Connections accepted meanwhile are black-holed the same way (and
   * never reach the upstream). Chunks still waiting out their latency are dropped too.
   */
  halfOpen(): void;
  /**
   * Passes bytes again, without latency. The connections halfOpen() black-holed stay dead: they
   * are destroyed quietly (a FIN to whoever still holds them), so clients must reconnect.
   */
  heal(): void;
  /** Resets (RST) every connection on both sides, as a crashed middlebox would. */
  resetAll(): void;
  /** Stops listening and destroys every connection. */
  close(): Promise<void>;
}

type Item = Buffer | 'end';

/** One direction of a connection: chunks in arrival order, each released at its due time. */
class DelayLine {
  readonly #queue: Array<{ item: Item; dueAt: number }> = [];
  #timer: NodeJS.Timeout | undefined;
  #lastDueAt = 0;

  constructor(private readonly deliver: (item: Item) => void) {}

  push(item: Item, latencyMs: number): void {
    if (latencyMs === 0 && this.#queue.length === 0) {
      this.deliver(item);
      return;
    }
    // Never before an earlier chunk: lowering the latency must not reorder bytes.
    const dueAt = Math.max(performance.now() + latencyMs, this.#lastDueAt);
    this.#lastDueAt = dueAt;
    this.#queue.push({ item, dueAt });
    this.#schedule();
  }

  /** Forgets what waits: the network lost it. */
  drop(): void {
    this.#queue.length = 0;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    const head = this.#queue[0];
    if (this.#timer || !head) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        const now = performance.now();
        while (this.#queue[0] && this.#queue[0].dueAt <= now + 1) {
          this.deliver(this.#queue.shift()!.item);
        }
        this.#schedule();
      },
      Math.max(0, head.dueAt - performance.now()),
    );
  }
}

interface Link {
  state: 'passing' | 'cut';
  readonly client: Socket;
  readonly upstream: Socket | undefined;
  readonly lines: DelayLine[];
  /** Cut by halfOpen() while it was passing bytes. */
  cutWhilePassing: boolean;
  /** The client sent its FIN or reset: it is done with the connection. */
  clientDone: boolean;
}

/** Starts a pass-through proxy to the upstream on 127.0.0.1 and an ephemeral port. */
export async function startFaultProxy(o: FaultProxyOptions): Promise<FaultProxy> {
  const links = new Set<Link>();
  let latencyMs = 0;
  let mode: 'passing' | 'cut' = 'passing';
  let accepted = 0;
  let cutOff = 0;
  let cutOffClosedByClient = 0;

  const cut = (link: Link) => {
    link.state = 'cut';
    for (const line of link.lines) line.drop();
  };
  const forget = (link: Link) => {
    link.client.destroy();
    link.upstream?.destroy();
    links.delete(link);
  };

  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    accepted += 1;
    client.setNoDelay(true);
    client.on('error', () => undefined);
    const upstream =
      mode === 'passing'
        ? connect({ host: o.upstreamHost, port: o.upstreamPort, allowHalfOpen: true })
        : undefined;
    const link: Link = {
      state: mode,
      client,
      upstream,
      lines: [],
      cutWhilePassing: false,
      clientDone: false,
    };
    links.add(link);
    let upstreamClosed = upstream === undefined;
    let clientSocketClosed = false;
    const settle = () => {
      if (clientSocketClosed && upstreamClosed) links.delete(link);
    };
    // A FIN (which a black hole never answers, so 'close' does not follow) or a reset.
    const clientGone = () => {
      if (link.clientDone) return;
      link.clientDone = true;
      if (link.state === 'cut' && link.cutWhilePassing) cutOffClosedByClient += 1;
    };
    client.on('end', clientGone);
    client.on('close', (hadError) => {
      clientGone();
      // A reset client resets the upstream; a clean close was passed on as 'end'.
      if (link.state === 'passing' && hadError) upstream?.resetAndDestroy();
      clientSocketClosed = true;
      settle();
    });
    if (!upstream) {
      // Black-holed from the start: read and drop, so nothing backs up to the client.
      client.on('data', () => undefined);
      return;
    }
    upstream.setNoDelay(true);
    upstream.on('error', () => undefined);
    const pipe = (from: Socket, to: Socket) => {
      const line = new DelayLine((item) => {
        if (item === 'end') to.end();
        else to.write(item);
      });
      link.lines.push(line);
      from.on('data', (chunk: Buffer) => {
        if (link.state === 'passing') line.push(chunk, latencyMs);
      });
      from.on('end', () => {
        if (link.state === 'passing') line.push('end', latencyMs);
      });
    };
    pipe(client, upstream);
    pipe(upstream, client);
    upstream.on('close', (hadError) => {
      upstreamClosed = true;
      if (link.state === 'passing' && hadError) client.resetAndDestroy();
      settle();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');

  return {
    host: '127.0.0.1',
    port: address.port,
    stats: () => ({
      accepted,
      open: [...links].filter((l) => !l.clientDone).length,
      cutOff,
      cutOffClosedByClient,
    }),
    setLatency(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('latency must be >= 0 ms');
      latencyMs = ms;
    },
    halfOpen() {
      mode = 'cut';
      cutOff = 0;
      cutOffClosedByClient = 0;
      for (const link of links) {
        if (link.state !== 'passing' || link.clientDone) continue;
        link.cutWhilePassing = true;
        cutOff += 1;
        cut(link);
      }
    },
    heal() {
      mode = 'passing';
      latencyMs = 0;
      for (const link of links) if (link.state === 'cut') forget(link);
    },
    resetAll() {
      for (const link of links) {
        cut(link);
        link.client.resetAndDestroy();
        link.upstream?.resetAndDestroy();
        links.delete(link);
      }
    },
    async close() {
      for (const link of links) forget(link);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
