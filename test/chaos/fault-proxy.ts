// A TCP proxy the chaos suites own, put between a service and MySQL or RabbitMQ to make the
// network misbehave in ways a restart of the server cannot: added latency, half-open connections
// (a peer that vanished without FIN or RST, or a middlebox that silently drops), partitions that
// drop one direction only, and an upstream that stalls its answers.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface FaultProxyOptions {
  /** Where the proxied connections go. */
  readonly upstreamHost: string;
  /**
   * The upstream's port, or how to find it when a connection arrives (a process that restarts on
   * another ephemeral port, or one started after the proxy because it must advertise the proxy).
   */
  readonly upstreamPort: number | (() => number);
}

/**
 * Which bytes a partition drops: both directions, only those from the client to the upstream
 * (requests vanish), or only those from the upstream to the client (answers vanish).
 */
export type PartitionDirection = 'both' | 'to-upstream' | 'to-client';

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
   * A network partition: bytes in `direction` are read and dropped, on every connection and on
   * those accepted meanwhile (which never reach the upstream: a one-way loss stops a TCP
   * handshake too), with no FIN or RST. The other direction still passes, so in a one-way
   * partition one side keeps hearing from its peer that hears nothing back. 'both' is halfOpen().
   */
  partition(direction: PartitionDirection): void;
  /**
   * Holds every byte from the upstream to the client, without dropping any, until heal(): the
   * upstream still reads and executes what it is sent, and its answers all arrive late at once,
   * as from a server whose commits wait on a stalled disk. Connections stay usable.
   */
  stall(): void;
  /**
   * Passes bytes again, without latency; what stall() held is delivered, in order. The
   * connections a partition black-holed stay dead: they lost bytes, so they are destroyed quietly
   * (a FIN to whoever still holds them), and clients must reconnect.
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
  /** The directions a one-way partition drops, while state is 'passing'. */
  readonly dropping: { toUpstream: boolean; toClient: boolean };
  readonly client: Socket;
  readonly upstream: Socket | undefined;
  readonly lines: DelayLine[];
  /** Cut by a partition while it was passing bytes. */
  cutWhilePassing: boolean;
  /** The client sent its FIN or reset: it is done with the connection. */
  clientDone: boolean;
}

/** Starts a pass-through proxy to the upstream on 127.0.0.1 and an ephemeral port. */
export async function startFaultProxy(o: FaultProxyOptions): Promise<FaultProxy> {
  const links = new Set<Link>();
  let latencyMs = 0;
  let mode: 'passing' | 'cut' = 'passing';
  let stalled = false;
  /** Answers stall() holds, by the delay line that delivers them once healed. */
  const held = new Map<DelayLine, Item[]>();
  const upstreamPort = () =>
    typeof o.upstreamPort === 'number' ? o.upstreamPort : o.upstreamPort();
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

  const partition = (direction: PartitionDirection) => {
    if (direction !== 'both') {
      // New connections cannot complete a handshake; those open lose one direction.
      mode = 'cut';
      cutOff = 0;
      cutOffClosedByClient = 0;
      for (const link of links) {
        if (link.state !== 'passing' || link.clientDone) continue;
        link.cutWhilePassing = true;
        cutOff += 1;
        if (direction === 'to-upstream') link.dropping.toUpstream = true;
        else link.dropping.toClient = true;
        link.lines[direction === 'to-upstream' ? 0 : 1]?.drop();
      }
      return;
    }
    mode = 'cut';
    cutOff = 0;
    cutOffClosedByClient = 0;
    for (const link of links) {
      if (link.state !== 'passing' || link.clientDone) continue;
      link.cutWhilePassing = true;
      cutOff += 1;
      cut(link);
    }
  };

  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    accepted += 1;
    client.setNoDelay(true);
    client.on('error', () => undefined);
    const upstream =
      mode === 'passing'
        ? connect({ host: o.upstreamHost, port: upstreamPort(), allowHalfOpen: true })
        : undefined;
    const link: Link = {
      state: mode,
      dropping: { toUpstream: false, toClient: false },
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
      const dropping = link.dropping.toClient || link.dropping.toUpstream;
      if ((link.state === 'cut' || dropping) && link.cutWhilePassing) cutOffClosedByClient += 1;
    };
    client.on('end', clientGone);
    client.on('close', (hadError) => {
      clientGone();
      // A reset client resets the upstream; a clean close was passed on as 'end'.
      if (link.state === 'passing' && !link.dropping.toUpstream && hadError) {
        upstream?.resetAndDestroy();
      }
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
    const pipe = (from: Socket, to: Socket, toClient: boolean) => {
      const line = new DelayLine((item) => {
        if (item === 'end') to.end();
        else to.write(item);
      });
      link.lines.push(line);
      const pass = (item: Item) => {
        if (link.state !== 'passing') return;
        if (toClient ? link.dropping.toClient : link.dropping.toUpstream) return;
        if (toClient && stalled) {
          const waiting = held.get(line) ?? [];
          waiting.push(item);
          held.set(line, waiting);
          return;
        }
        line.push(item, latencyMs);
      };
      from.on('data', pass);
      from.on('end', () => pass('end'));
    };
    pipe(client, upstream, false);
    pipe(upstream, client, true);
    upstream.on('close', (hadError) => {
      upstreamClosed = true;
      if (link.state === 'passing' && !link.dropping.toClient && hadError) {
        client.resetAndDestroy();
      }
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
      partition('both');
    },
    partition,
    stall() {
      stalled = true;
    },
    heal() {
      mode = 'passing';
      latencyMs = 0;
      stalled = false;
      for (const [line, items] of held) for (const item of items) line.push(item, 0);
      held.clear();
      for (const link of links) {
        if (link.state === 'cut' || link.dropping.toClient || link.dropping.toUpstream) {
          forget(link);
        }
      }
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
