import { createHash } from 'node:crypto';
import { renderFlow, sortFlows, type Flow } from './flow.js';

/**
 * SHA-256 (hex) of the flow set: its flows sorted and rendered, one line each, each ending in a
 * newline. Independent of the order of `flows`; what hvflowd reports as the applied state hash.
 */
export function stateHash(flows: readonly Flow[]): string {
  const hash = createHash('sha256');
  for (const flow of sortFlows(flows)) hash.update(`${renderFlow(flow)}\n`);
  return hash.digest('hex');
}
