import type { K8sObject } from './kustomize.js';
import { adminSecret, podTemplates } from './security-rules.js';
import type { Container, PodSpec } from './workloads.js';

/**
 * How a hypervisor agent proves which chassis it is: its CHASSIS_ID is the node's name, and its
 * credential is bound to that node.
 * - `certificate` (prod): TLS_CERT and TLS_KEY come from a host directory of the node
 *   (/etc/vpcd/pki/<service>, read-only), where the node's own certificate (CN
 *   <service>:<node>) lives; no Certificate or Secret shared by every node exists for it.
 * - `token` (dev, plaintext): VPCD_TOKEN is read from the key named after the node
 *   (subPathExpr $(CHASSIS_ID)) of the agent's own token Secret.
 */
export function agentIdentityProblems(
  objects: readonly K8sObject[],
  mode: 'certificate' | 'token',
): string[] {
  const problems: string[] = [];
  for (const service of ['hvflowd', 'hvaddr']) {
    const t = podTemplates(objects).find((x) => x.id === `DaemonSet/${service}`);
    if (t === undefined) {
      problems.push(`DaemonSet/${service} is not rendered`);
      continue;
    }
    const c = t.pod.containers.find((x) => x.name === service);
    if (c === undefined) {
      problems.push(`DaemonSet/${service}: no container ${service}`);
      continue;
    }
    const at = (what: string) => `DaemonSet/${service}: ${what}`;
    const env = new Map((c.env ?? []).map((e) => [e.name, e]));
    if (env.get('CHASSIS_ID')?.valueFrom?.fieldRef?.fieldPath !== 'spec.nodeName') {
      problems.push(at('CHASSIS_ID is not the node name (fieldRef spec.nodeName)'));
    }
    if (mode === 'certificate') {
      problems.push(...certificateProblems(service, t.pod, c, at));
      for (const o of objects.filter((x) => x.kind === 'Certificate')) {
        const cn = (o.spec as { commonName?: string }).commonName ?? '';
        if (cn === service || cn.startsWith(`${service}:`)) {
          problems.push(`Certificate/${o.metadata.name}: CN ${cn} would be shared by every node`);
        }
      }
    } else {
      problems.push(...tokenProblems(service, t.pod, c, at));
    }
  }
  return problems;
}

function certificateProblems(
  service: string,
  pod: PodSpec,
  c: Container,
  at: (what: string) => string,
): string[] {
  const problems: string[] = [];
  const env = new Map((c.env ?? []).map((e) => [e.name, e.value]));
  if (env.has('VPCD_TOKEN')) problems.push(at('has VPCD_TOKEN beside its certificate'));
  for (const name of ['TLS_CERT', 'TLS_KEY', 'TLS_CA']) {
    const file = env.get(name);
    const mount = (c.volumeMounts ?? []).find((m) => file?.startsWith(`${m.mountPath}/`));
    const volume = pod.volumes?.find((v) => v.name === mount?.name);
    if (volume?.hostPath?.path !== `/etc/vpcd/pki/${service}`) {
      problems.push(at(`${name} (${file}) is not in the node's /etc/vpcd/pki/${service}`));
    } else if (mount?.readOnly !== true) {
      problems.push(at(`${name}: /etc/vpcd/pki/${service} is mounted writable`));
    }
  }
  return problems;
}

function tokenProblems(
  service: string,
  pod: PodSpec,
  c: Container,
  at: (what: string) => string,
): string[] {
  const problems: string[] = [];
  const mount = (c.volumeMounts ?? []).find((m) => m.subPathExpr === '$(CHASSIS_ID)');
  const volume = pod.volumes?.find((v) => v.name === mount?.name);
  const secret = volume?.secret?.secretName;
  if (mount === undefined || secret === undefined) {
    problems.push(at("no token Secret key named after the node (subPathExpr '$(CHASSIS_ID)')"));
  } else {
    if (secret === adminSecret) problems.push(at(`reads its token from ${adminSecret}`));
    if (!secret.startsWith(service)) problems.push(at(`token Secret ${secret} is not its own`));
    const script = (c.command ?? []).join(' ');
    if (!script.includes(`VPCD_TOKEN="$(cat ${mount.mountPath})"`)) {
      problems.push(at(`does not read VPCD_TOKEN from ${mount.mountPath}`));
    }
  }
  return problems;
}
