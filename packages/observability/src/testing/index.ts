export { captureLogger } from './capture-logger.js';
export { memoryTracing } from './memory-tracing.js';
export { metricValue } from './metric-value.js';
export { createTestCertificates } from './certificates.js';
export type { TestCertificates } from './certificates.js';
export { createTestCa } from './test-ca.js';
export type { IssuedCertificate, IssueOptions, TestCa } from './test-ca.js';
export { requireAllSuites, skipUnlessRequired } from './suite-requirement.js';
export { needsService, unitOnly } from './unit-only.js';
