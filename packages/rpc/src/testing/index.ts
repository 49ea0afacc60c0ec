export { healthClient } from './health-client.js';
export type { HealthClient } from './health-client.js';
