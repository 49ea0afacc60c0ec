export { createTestCertificates } from './certificates.js';
export type { TestCertificates } from './certificates.js';
export { captureLogger } from './capture-logger.js';
export { memoryTracing } from './memory-tracing.js';
export { metricValue } from './metric-value.js';
export { healthClient } from './health-client.js';
export type { HealthClient } from './health-client.js';
export { createTestCa } from './test-ca.js';
export type { IssuedCertificate, IssueOptions, TestCa } from './test-ca.js';
