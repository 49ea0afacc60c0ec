export {
  backoffCeilingMs,
  backoffDelayMs,
  equalJitterDelayMs,
  fullJitterDelayMs,
  maxPushbackMs,
  pushbackDelayMs,
} from './backoff.js';
export type { BackoffPolicy, Jitter } from './backoff.js';
export { sleep } from './sleep.js';
