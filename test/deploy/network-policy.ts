import type { K8sObject } from './kustomize.js';
import { selects } from './workloads.js';

/** A pod as NetworkPolicies see it: its namespace (with that namespace's labels) and labels. */
export interface PolicyPod {
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly namespaceLabels?: Record<string, string>;
}

interface Peer {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: unknown;
}

interface IngressRule {
  from?: Peer[];
  ports?: Array<{ port?: number | string; protocol?: string }>;
}

interface PolicySpec {
  podSelector: { matchLabels?: Record<string, string> };
  policyTypes?: string[];
  ingress?: IngressRule[];
}

/**
 * Whether the NetworkPolicies let `source` open a TCP connection to `target` on `port`, as the
 * API defines it (matchLabels selectors and numeric ports, which is what vpcd's policies use):
 * a pod no Ingress policy selects accepts everything; otherwise some rule of a policy selecting
 * it must admit both the peer and the port. Host-network pods are outside NetworkPolicy.
 */
export function ingressAllowed(
  objects: readonly K8sObject[],
  target: PolicyPod,
  port: number,
  source: PolicyPod,
): boolean {
  const policies = objects
    .filter((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === target.namespace)
    .map((o) => o.spec as PolicySpec)
    .filter((p) => selects(p.podSelector.matchLabels ?? {}, target.labels))
    .filter((p) => (p.policyTypes ?? ['Ingress']).includes('Ingress'));
  if (policies.length === 0) return true;
  const nsLabels = {
    'kubernetes.io/metadata.name': source.namespace,
    ...(source.namespaceLabels ?? {}),
  };
  const peerAdmits = (peer: Peer): boolean => {
    if (peer.ipBlock !== undefined) return false;
    const inNamespace =
      peer.namespaceSelector === undefined
        ? source.namespace === target.namespace
        : selects(peer.namespaceSelector.matchLabels ?? {}, nsLabels);
    const pod =
      peer.podSelector === undefined || selects(peer.podSelector.matchLabels ?? {}, source.labels);
    return inNamespace && pod;
  };
  const portAdmits = (rule: IngressRule) =>
    rule.ports === undefined ||
    rule.ports.some(
      (p) => (p.protocol ?? 'TCP') === 'TCP' && (p.port === undefined || p.port === port),
    );
  return policies.some((p) =>
    (p.ingress ?? []).some(
      (rule) =>
        portAdmits(rule) &&
        (rule.from === undefined || rule.from.length === 0 || rule.from.some(peerAdmits)),
    ),
  );
}
