export { startNorthdHarness } from './northd-harness.js';
export type { NorthdHarness } from './northd-harness.js';
