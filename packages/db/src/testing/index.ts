export { createTestDatabase } from './test-database.js';
export type { TestDatabase } from './test-database.js';
export { privateMariadb } from './private-mariadb.js';
export type { PrivateMariadb, PrivateMariadbOptions } from './private-mariadb.js';
