export { loadConfig } from './config.js';
export type { NorthdConfig } from './config.js';
export { createPools, poolSizes } from './db-pools.js';
export type { NorthdPools, PoolOptions } from './db-pools.js';
export { createDeps } from './deps.js';
export type { NorthdDeps } from './deps.js';
export { startNorthd } from './server.js';
export type { Northd } from './server.js';
export { migrations } from './store/migrations.js';
