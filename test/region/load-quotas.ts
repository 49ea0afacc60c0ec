/**
 * northd's quota defaults for load tests, benchmarks and chaos cases, which fill one project
 * (and one VPC) with more interfaces than production's defaults allow: what they measure is
 * throughput and recovery, not quotas (test/security/quotas.test.ts is where those are shown).
 * The per-chassis limit stays: it is a property of the transport.
 */
export const loadQuotaEnv: Readonly<Record<string, string>> = Object.freeze({
  QUOTA_DEFAULT_VPCS: '100000',
  QUOTA_DEFAULT_INTERFACES_PER_VPC: '1000000',
  QUOTA_DEFAULT_INTERFACES: '1000000',
});
