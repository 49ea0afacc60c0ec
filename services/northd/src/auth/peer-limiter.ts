import { isIPv6 } from 'node:net';

export interface PeerLimiterOptions {
  /** Failed authentications from one peer within a window before it is refused; 0: no limit. */
  readonly maxFailures: number;
  /** The window, from a peer's first failure. */
  readonly windowMs: number;
  /** Peers tracked at once; beyond it the one tracked longest is forgotten. */
  readonly maxPeers: number;
}

interface Window {
  startMs: number;
  failures: number;
}

/**
 * Counts failed authentications per peer address in fixed windows and says which peers are over
 * the limit. A token lookup in flight counts as a failure until it ends, so a peer that sends
 * many unknown tokens at once costs no more statements than failures it is allowed: the
 * failures of concurrent calls are only known once their lookups answer. Memory is bounded by
 * `maxPeers`: a flood of addresses evicts the oldest windows (which lets those peers start
 * afresh), never grows the map; lookups in flight are bounded by the calls in flight. Not
 * shared between northds.
 */
export class PeerLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly lookups = new Map<string, number>();

  constructor(private readonly options: PeerLimiterOptions) {}

  /** Whether `peer` is refused until its window passes or its lookups in flight end. */
  isLimited(peer: string, nowMs = Date.now()): boolean {
    if (this.options.maxFailures <= 0) return false;
    const failures = (this.current(peer, nowMs)?.failures ?? 0) + (this.lookups.get(peer) ?? 0);
    return failures >= this.options.maxFailures;
  }

  /** Counts a token lookup of `peer` as a failure until the returned function is called. */
  beginLookup(peer: string): () => void {
    this.lookups.set(peer, (this.lookups.get(peer) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const left = (this.lookups.get(peer) ?? 1) - 1;
      if (left > 0) this.lookups.set(peer, left);
      else this.lookups.delete(peer);
    };
  }

  /** Records one failure of `peer`; true when this one reached the limit. */
  recordFailure(peer: string, nowMs = Date.now()): boolean {
    if (this.options.maxFailures <= 0) return false;
    this.prune(nowMs);
    let w = this.current(peer, nowMs);
    if (w === undefined) {
      this.windows.delete(peer);
      if (this.windows.size >= this.options.maxPeers) {
        this.windows.delete(this.windows.keys().next().value!);
      }
      w = { startMs: nowMs, failures: 0 };
      this.windows.set(peer, w);
    }
    w.failures += 1;
    return w.failures === this.options.maxFailures;
  }

  /** When `peer` may try again, in ms from now (0 when it may now). */
  retryAfterMs(peer: string, nowMs = Date.now()): number {
    const w = this.current(peer, nowMs);
    return w === undefined ? 0 : w.startMs + this.options.windowMs - nowMs;
  }

  /** Peers with a window open now, or a lookup in flight. */
  tracked(nowMs = Date.now()): number {
    this.prune(nowMs);
    return this.windows.size + this.lookups.size;
  }

  get capacity(): number {
    return this.options.maxPeers;
  }

  /** Peers over the limit now (a scan: for the metrics scrape only). */
  limited(nowMs = Date.now()): number {
    let n = 0;
    for (const peer of this.windows.keys()) if (this.isLimited(peer, nowMs)) n += 1;
    return n;
  }

  // Windows are kept in the order they opened, all of one length: stale ones are at the front.
  private prune(nowMs: number): void {
    for (const [peer, w] of this.windows) {
      if (nowMs - w.startMs < this.options.windowMs) return;
      this.windows.delete(peer);
    }
  }

  private current(peer: string, nowMs: number): Window | undefined {
    const w = this.windows.get(peer);
    return w !== undefined && nowMs - w.startMs < this.options.windowMs ? w : undefined;
  }
}

/**
 * The address a grpc-js peer string ("1.2.3.4:5678", "[::1]:5678", "ipv4:...", "unix:...") is
 * limited under: the IPv4 address, or the /64 of an IPv6 one (a host owns a whole /64, so a
 * per-address key would let it rotate addresses past the limit); other peers as they are.
 */
export function peerKey(peer: string): string {
  const bare = peer.replace(/^ipv[46]:/, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(bare);
  const host = bracketed ? bracketed[1]! : /^[^:]+:\d+$/.test(bare) ? bare.split(':')[0]! : bare;
  if (!isIPv6(host)) return host;
  if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(host)) return host.slice(7);
  return `${expandIpv6(host).slice(0, 4).join(':')}::/64`;
}

function expandIpv6(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...zeros, ...right].map((h) => h.replace(/^0+(?=.)/, '').toLowerCase());
}
