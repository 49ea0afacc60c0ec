export { loadConfig } from './config.js';
export type { SouthdConfig } from './config.js';
export { createDeps } from './deps.js';
export type { SouthdDeps } from './deps.js';
export { startSouthd } from './server.js';
export type { Southd } from './server.js';
