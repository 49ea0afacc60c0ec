import { createHash } from 'node:crypto';
import { renderFlow, sortFlows, type Flow } from './flow.js';

/**
 * SHA-256 (hex) of the flow set: its flows sorted and rendered, one line each, each ending in a
 * newline. Independent of the order of `flows`; what hvflowd reports as the applied state hash.
 */
export function stateHash(flows: readonly Flow[]): string {
  return hashOfSorted(sortFlows(flows));
}

/** stateHash of flows already in flow order (sortFlows). */
export function hashOfSorted(flows: readonly Flow[]): string {
  const hash = createHash('sha256');
  // Lines go to the hash in chunks: one update a flow costs more than the hashing itself.
  const CHUNK = 512;
  for (let i = 0; i < flows.length; i += CHUNK) {
    hash.update(
      flows
        .slice(i, i + CHUNK)
        .map((flow) => `${renderFlow(flow)}\n`)
        .join(''),
    );
  }
  return hash.digest('hex');
}
