import type { K8sObject } from './kustomize.js';
import { selects, type Container, type PodSpec } from './workloads.js';

/**
 * The deploy defaults that docs/security.md (items 1 and 9) promises, as checks over a rendered
 * overlay. Each returns the problems it finds, each naming the object and the field; an empty
 * list means the rule holds. test/security/deploy-defaults.test.ts runs them on every overlay.
 */

export const adminSecret = 'vpcd-secrets';
export const adminTokenKey = 'VPCD_ADMIN_TOKEN';

/** A pod template of any workload kind, with where it sits. */
export interface PodTemplate {
  readonly id: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly labels: Record<string, string>;
  readonly pod: PodSpec;
}

export function podTemplates(objects: readonly K8sObject[]): PodTemplate[] {
  type Template = { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
  const templateOf = (o: K8sObject): Template | undefined => {
    const spec = o.spec as Record<string, unknown> | undefined;
    switch (o.kind) {
      case 'Deployment':
      case 'DaemonSet':
      case 'StatefulSet':
      case 'ReplicaSet':
      case 'Job':
        return spec?.template as Template;
      case 'CronJob':
        return (spec?.jobTemplate as { spec: { template: Template } }).spec.template;
      case 'Pod':
        return { metadata: o.metadata, spec: o.spec as PodSpec };
      default:
        return undefined;
    }
  };
  return objects.flatMap((o) => {
    const template = templateOf(o);
    if (template === undefined) return [];
    return [
      {
        id: `${o.kind}/${o.metadata.name}`,
        name: o.metadata.name,
        namespace: o.metadata.namespace,
        labels: template.metadata?.labels ?? {},
        pod: template.spec,
      },
    ];
  });
}

function containersOf(pod: PodSpec): Container[] {
  return [...(pod.initContainers ?? []), ...pod.containers];
}

/**
 * Who can read the admin token: by env (its name or the Secret key), by envFrom of its Secret,
 * or by a volume (secret or projected) of its Secret. Only northd may.
 */
export function adminTokenProblems(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const t of podTemplates(objects)) {
    if (t.name === 'northd' && t.id.startsWith('Deployment/')) continue;
    for (const c of containersOf(t.pod)) {
      for (const e of c.env ?? []) {
        if (e.name === adminTokenKey || e.valueFrom?.secretKeyRef?.key === adminTokenKey) {
          problems.push(`${t.id}: container ${c.name} env ${e.name} holds the admin token`);
        }
      }
      for (const from of c.envFrom ?? []) {
        if (from.secretRef?.name === adminSecret) {
          problems.push(`${t.id}: container ${c.name} envFrom takes all of ${adminSecret}`);
        }
      }
    }
    for (const v of t.pod.volumes ?? []) {
      const projected = (v.projected?.sources ?? []).some((s) => s.secret?.name === adminSecret);
      if (v.secret?.secretName === adminSecret || projected) {
        problems.push(`${t.id}: volume ${v.name} mounts ${adminSecret}`);
      }
    }
  }
  return problems;
}

/** The Pod Security Admission labels of a rendered Namespace. */
function psa(objects: readonly K8sObject[], namespace: string | undefined) {
  const ns = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === namespace);
  const label = (mode: string) => ns?.metadata.labels?.[`pod-security.kubernetes.io/${mode}`];
  return {
    found: ns !== undefined,
    enforce: label('enforce'),
    warn: label('warn'),
    audit: label('audit'),
  };
}

/**
 * northd and southd share a namespace whose Pod Security is `restricted` (enforced, or where
 * `enforce` says so, baseline with restricted warnings and audit); the host agents live in
 * another namespace, which warns and audits at baseline when it enforces less.
 */
export function namespaceProblems(
  objects: readonly K8sObject[],
  enforce: 'restricted' | 'baseline' = 'restricted',
): string[] {
  const problems: string[] = [];
  const byName = new Map(podTemplates(objects).map((t) => [t.id, t]));
  const control = ['Deployment/northd', 'Deployment/southd'].map((id) => byName.get(id));
  const agents = ['DaemonSet/hvflowd', 'DaemonSet/hvaddr'].map((id) => byName.get(id));
  const controlNs = new Set(control.map((t) => t?.namespace));
  const agentNs = new Set(agents.map((t) => t?.namespace));
  if (controlNs.size !== 1) problems.push(`northd and southd in ${[...controlNs].join(', ')}`);
  if (agentNs.size !== 1) problems.push(`hvflowd and hvaddr in ${[...agentNs].join(', ')}`);
  const [cp] = controlNs;
  const [ag] = agentNs;
  if (cp === undefined || ag === undefined) return [...problems, 'workloads have no namespace'];
  if (cp === ag) problems.push(`the host agents share namespace ${cp} with northd and southd`);
  const c = psa(objects, cp);
  if (!c.found) problems.push(`Namespace ${cp} is not rendered`);
  if (c.enforce !== enforce)
    problems.push(`Namespace ${cp}: enforce=${c.enforce}, want ${enforce}`);
  if (c.warn !== 'restricted') problems.push(`Namespace ${cp}: warn=${c.warn}, want restricted`);
  if (c.audit !== 'restricted') problems.push(`Namespace ${cp}: audit=${c.audit}, want restricted`);
  const a = psa(objects, ag);
  if (!a.found) problems.push(`Namespace ${ag} is not rendered`);
  if (a.enforce === undefined) problems.push(`Namespace ${ag}: no enforce level`);
  for (const mode of ['warn', 'audit'] as const) {
    const level = a[mode];
    if (a.enforce !== 'restricted' && level !== 'baseline' && level !== 'restricted') {
      problems.push(`Namespace ${ag}: ${mode}=${level}, want baseline or stricter`);
    }
  }
  return problems;
}

const restrictedVolumeSources = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

/**
 * The Pod Security `restricted` profile (Kubernetes 1.30 definitions) plus what vpcd adds:
 * a read-only root filesystem and no service-account token.
 */
export function restrictedProblems(t: PodTemplate): string[] {
  const problems: string[] = [];
  const { pod } = t;
  const at = (c: Container, field: string) => `${t.id}: container ${c.name} ${field}`;
  for (const flag of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (pod[flag] === true) problems.push(`${t.id}: ${flag}`);
  }
  for (const v of pod.volumes ?? []) {
    const sources = Object.keys(v).filter((k) => k !== 'name');
    if (sources.some((s) => !restrictedVolumeSources.has(s))) {
      problems.push(`${t.id}: volume ${v.name} is ${sources.join(', ')}`);
    }
  }
  if (pod.automountServiceAccountToken !== false) {
    problems.push(`${t.id}: automountServiceAccountToken is not false`);
  }
  const podSc = pod.securityContext ?? {};
  if (podSc.runAsUser === 0) problems.push(`${t.id}: securityContext.runAsUser 0`);
  for (const c of containersOf(pod)) {
    const sc = c.securityContext ?? {};
    if (sc.privileged === true) problems.push(at(c, 'is privileged'));
    if (sc.allowPrivilegeEscalation !== false) {
      problems.push(at(c, 'allowPrivilegeEscalation is not false'));
    }
    if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) {
      problems.push(at(c, 'runAsNonRoot is not true'));
    }
    if (sc.runAsUser === 0) problems.push(at(c, 'runAsUser 0'));
    const seccomp = sc.seccompProfile?.type ?? podSc.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
      problems.push(at(c, `seccompProfile ${seccomp}`));
    }
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(at(c, 'drops not ALL'));
    const added = (sc.capabilities?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (added.length > 0) problems.push(at(c, `adds ${added.join(', ')}`));
    if (sc.readOnlyRootFilesystem !== true) problems.push(at(c, 'root filesystem is writable'));
  }
  return problems;
}

/** What a host agent may have beyond the restricted profile, and nothing more. */
export interface AgentAllowance {
  /** Capabilities added after dropping ALL, each for a stated reason. */
  readonly capabilities: readonly string[];
  /** Host directories it may mount; those under /etc are mounted read-only. */
  readonly hostPaths: readonly string[];
}

export function agentProblems(t: PodTemplate, allowed: AgentAllowance): string[] {
  const problems: string[] = [];
  const { pod } = t;
  if (pod.hostPID === true || pod.hostIPC === true) problems.push(`${t.id}: hostPID or hostIPC`);
  if (pod.automountServiceAccountToken !== false) {
    problems.push(`${t.id}: automountServiceAccountToken is not false`);
  }
  const podSeccomp = pod.securityContext?.seccompProfile?.type;
  const hostVolumes = new Map(
    (pod.volumes ?? []).flatMap((v) => (v.hostPath ? [[v.name, v.hostPath.path] as const] : [])),
  );
  for (const [name, path] of hostVolumes) {
    if (!allowed.hostPaths.includes(path)) problems.push(`${t.id}: volume ${name} is host ${path}`);
  }
  for (const c of containersOf(pod)) {
    const sc = c.securityContext ?? {};
    const at = (field: string) => `${t.id}: container ${c.name} ${field}`;
    if (sc.privileged !== false) problems.push(at('privileged is not false'));
    if (sc.allowPrivilegeEscalation !== false)
      problems.push(at('allowPrivilegeEscalation is not false'));
    if (sc.readOnlyRootFilesystem !== true) problems.push(at('root filesystem is writable'));
    if ((sc.seccompProfile?.type ?? podSeccomp) !== 'RuntimeDefault') {
      problems.push(at('seccompProfile is not RuntimeDefault'));
    }
    if (JSON.stringify(sc.capabilities?.drop) !== '["ALL"]') problems.push(at('drops not ALL'));
    const added = [...(sc.capabilities?.add ?? [])].sort();
    if (JSON.stringify(added) !== JSON.stringify([...allowed.capabilities].sort())) {
      problems.push(at(`adds [${added.join(', ')}], want [${allowed.capabilities.join(', ')}]`));
    }
    for (const m of c.volumeMounts ?? []) {
      const path = hostVolumes.get(m.name);
      if (path?.startsWith('/etc/') && m.readOnly !== true) {
        problems.push(at(`mounts host ${path} writable`));
      }
    }
  }
  return problems;
}

/** Every container has CPU and memory requests and a memory limit (no CPU limit: no throttling). */
export function resourceProblems(objects: readonly K8sObject[]): string[] {
  type Resources = { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  const check = (where: string, r: Resources | undefined) => {
    const missing = [
      r?.requests?.cpu === undefined ? 'requests.cpu' : undefined,
      r?.requests?.memory === undefined ? 'requests.memory' : undefined,
      r?.limits?.memory === undefined ? 'limits.memory' : undefined,
    ].filter((m) => m !== undefined);
    return missing.length > 0 ? [`${where}: no ${missing.join(', ')}`] : [];
  };
  const problems = podTemplates(objects).flatMap((t) =>
    containersOf(t.pod).flatMap((c) => check(`${t.id}: container ${c.name}`, c.resources)),
  );
  // The operators' workloads: the RabbitMQ nodes, the MariaDB servers and their exporter.
  for (const o of objects.filter((x) => x.kind === 'MariaDB')) {
    const metrics = (
      o.spec as { metrics?: { enabled?: boolean; exporter?: { resources?: Resources } } }
    ).metrics;
    if (metrics?.enabled === true) {
      problems.push(
        ...check(`MariaDB/${o.metadata.name}: metrics.exporter`, metrics.exporter?.resources),
      );
    }
  }
  for (const o of objects.filter((x) => x.kind === 'RabbitmqCluster' || x.kind === 'MariaDB')) {
    problems.push(
      ...check(`${o.kind}/${o.metadata.name}`, (o.spec as { resources?: Resources }).resources),
    );
  }
  return problems;
}

/**
 * Every workload that is not a DaemonSet, and every operator-run data service, has a
 * PodDisruptionBudget that selects its pods.
 */
export function disruptionBudgetProblems(objects: readonly K8sObject[]): string[] {
  const budgets = objects
    .filter((o) => o.kind === 'PodDisruptionBudget')
    .map((o) => ({
      namespace: o.metadata.namespace,
      selector: (o.spec as { selector?: { matchLabels?: Record<string, string> } }).selector
        ?.matchLabels,
    }));
  const covered = (namespace: string | undefined, labels: Record<string, string>) =>
    budgets.some(
      (b) =>
        b.namespace === namespace &&
        b.selector !== undefined &&
        Object.keys(b.selector).length > 0 &&
        selects(b.selector, labels),
    );
  const problems = podTemplates(objects)
    .filter(
      (t) =>
        !t.id.startsWith('DaemonSet/') && !t.id.startsWith('Job/') && !t.id.startsWith('CronJob/'),
    )
    .filter((t) => !covered(t.namespace, t.labels))
    .map((t) => `${t.id}: no PodDisruptionBudget selects its pods`);
  for (const o of objects) {
    // The RabbitMQ operator labels the cluster's pods app.kubernetes.io/name=<cluster>.
    if (o.kind === 'RabbitmqCluster') {
      const labels = {
        'app.kubernetes.io/name': o.metadata.name,
        'app.kubernetes.io/component': 'rabbitmq',
      };
      if (!covered(o.metadata.namespace, labels)) {
        problems.push(
          `RabbitmqCluster/${o.metadata.name}: no PodDisruptionBudget selects its pods`,
        );
      }
    }
    // The MariaDB operator makes the budget from spec.podDisruptionBudget.
    if (o.kind === 'MariaDB') {
      const spec = o.spec as { replicas?: number; podDisruptionBudget?: object };
      if ((spec.replicas ?? 1) > 1 && spec.podDisruptionBudget === undefined) {
        problems.push(`MariaDB/${o.metadata.name}: no spec.podDisruptionBudget`);
      }
    }
  }
  return problems;
}
