export { loadConfig } from './config.js';
export type { HvaddrConfig } from './config.js';
export { createDeps } from './deps.js';
export type { HvaddrDeps } from './deps.js';
export { startHvaddr } from './server.js';
export type { Hvaddr } from './server.js';
