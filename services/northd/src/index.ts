export { loadConfig } from './config.js';
export type { NorthdConfig } from './config.js';
export { createDeps } from './deps.js';
export type { NorthdDeps } from './deps.js';
export { startNorthd } from './server.js';
export type { Northd } from './server.js';
export { migrations } from './store/migrations.js';
