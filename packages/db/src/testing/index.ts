export { createTestDatabase } from './test-database.js';
export type { TestDatabase } from './test-database.js';
export { privateMariadb } from './private-mariadb.js';
export type { PrivateMariadb, PrivateMariadbOptions } from './private-mariadb.js';
export { replicatedMariadb } from './replication.js';
export type { ReplicatedMariadb, ReplicatedMariadbOptions, SemiSyncStatus } from './replication.js';
export { promoteReplica, promotionSteps } from './promote-replica.js';
export type { Promotion, PromotionStep } from './promote-replica.js';
export { freePort } from './free-port.js';
