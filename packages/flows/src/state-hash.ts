import { hash } from 'node:crypto';
import { renderFlow, type Flow } from './flow.js';

const MOD = 1n << 128n;

/**
 * The first 128 bits of the SHA-256 of `text`, as an unsigned integer: what a DigestSum adds up
 * for one element of a set.
 */
export function digest128(text: string): bigint {
  const digest = hash('sha256', text, 'buffer');
  return (digest.readBigUInt64BE(0) << 64n) | digest.readBigUInt64BE(8);
}

// Flows are not mutated once made: a flow's digest is computed once, whoever asks (the compiled
// chassis and the memory datapath both keep a hash of the same flows).
const digests = new WeakMap<Flow, bigint>();

/** The digest of one flow: digest128 of its rendered line, with its newline. */
export function flowDigest(flow: Flow): bigint {
  let value = digests.get(flow);
  if (value === undefined) {
    value = digest128(`${renderFlow(flow)}\n`);
    digests.set(flow, value);
  }
  return value;
}

/**
 * The hash of a set (of flows, of a chassis state's entries), kept as the sum of its elements'
 * digests modulo 2^128: a sum does not depend on order, so the elements need no sorting, and a
 * change adjusts it by its own elements. An element present twice counts twice.
 */
export class DigestSum {
  private sum = 0n;

  add(digest: bigint): void {
    this.sum = (this.sum + digest) % MOD;
  }

  remove(digest: bigint): void {
    this.sum = (this.sum - digest + MOD) % MOD;
  }

  /** 32 hex digits. */
  hex(): string {
    return this.sum.toString(16).padStart(32, '0');
  }
}

/**
 * The hash of the flow set, what hvflowd reports as the applied state hash: the sum modulo
 * 2^128 of each flow's digest (flowDigest), in 32 hex digits. Independent of the order of
 * `flows`; CompiledChassis keeps the same hash as its flows change, in time proportional to
 * the change.
 */
export function stateHash(flows: readonly Flow[]): string {
  const set = new DigestSum();
  for (const flow of flows) set.add(flowDigest(flow));
  return set.hex();
}
