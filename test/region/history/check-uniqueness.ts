import type { FinalState } from './history.js';
import { problem, type Problem, type Rule } from './problem.js';

function duplicates<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  rule: Rule,
  what: (key: string, n: number) => string,
): Problem[] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([key, n]) => problem(rule, what(key, n)));
}

/** IPs and MACs are unique within a VPC, VNIs across all VPCs. */
export function checkUniqueness(final: FinalState): Problem[] {
  const { interfaces, vpcs } = final;
  return [
    ...duplicates(
      interfaces,
      (i) => `${i.vpcId} ${i.ip}`,
      'ip-not-unique',
      (k, n) => `${n} interfaces of vpc ${k}`,
    ),
    ...duplicates(
      interfaces,
      (i) => `${i.vpcId} ${i.mac.toLowerCase()}`,
      'mac-not-unique',
      (k, n) => `${n} interfaces of vpc ${k}`,
    ),
    ...duplicates(
      vpcs,
      (v) => String(v.vni),
      'vni-not-unique',
      (k, n) => `${n} vpcs have vni ${k}`,
    ),
  ];
}
