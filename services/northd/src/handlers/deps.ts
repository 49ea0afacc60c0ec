import type { Database } from '@vpcd/db';
import type { Cidr } from '../validation/ipv4.js';
import type { Idempotent } from './idempotent.js';

/** What the handlers need; built once by createNorthd. */
export interface HandlerDeps {
  readonly db: Database;
  readonly idempotent: Idempotent;
  readonly privateRanges: readonly Cidr[];
  /** Tells every northd that desired state changed, so converge loops wake now. Never throws. */
  readonly changed: () => void;
}
