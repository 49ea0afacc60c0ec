import type { K8sObject } from './kustomize.js';

/** The parts of a pod template the manifest tests read. */
export interface Container {
  name: string;
  image: string;
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
  env?: Array<{
    name: string;
    value?: string;
    valueFrom?: {
      secretKeyRef?: { name: string; key: string };
      configMapKeyRef?: { name: string };
      fieldRef?: { fieldPath: string };
    };
  }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  command?: string[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: ContainerSecurityContext;
  volumeMounts?: Array<{
    name: string;
    mountPath: string;
    readOnly?: boolean;
    subPath?: string;
    subPathExpr?: string;
  }>;
}

export interface ContainerSecurityContext {
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  seccompProfile?: { type: string };
  capabilities?: { drop?: string[]; add?: string[] };
}

/** A pod volume: the sources the tests read; the others are kept by name only. */
export interface Volume {
  name: string;
  hostPath?: { path: string; type?: string };
  secret?: { secretName: string };
  projected?: { sources: Array<{ secret?: { name: string } }> };
  [source: string]: unknown;
}

export interface Probe {
  grpc?: { port: number; service?: string };
  httpGet?: { path: string; port: number | string };
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  nodeSelector?: Record<string, string>;
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    seccompProfile?: { type: string };
  };
  volumes?: Volume[];
  affinity?: {
    podAntiAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: unknown[];
      preferredDuringSchedulingIgnoredDuringExecution?: unknown[];
    };
  };
  topologySpreadConstraints?: Array<{ topologyKey: string }>;
}

export interface Workload {
  readonly object: K8sObject;
  readonly replicas: number | undefined;
  readonly selector: Record<string, string>;
  readonly podLabels: Record<string, string>;
  readonly pod: PodSpec;
}

const workloadKinds = new Set(['Deployment', 'DaemonSet', 'StatefulSet']);

export function workloads(objects: readonly K8sObject[]): Workload[] {
  return objects.filter((o) => workloadKinds.has(o.kind)).map(asWorkload);
}

export function asWorkload(object: K8sObject): Workload {
  const spec = object.spec as {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
  return {
    object,
    replicas: spec.replicas,
    selector: spec.selector.matchLabels,
    podLabels: spec.template.metadata.labels,
    pod: spec.template.spec,
  };
}

/** Whether every label of `selector` is on `labels` (an empty selector matches everything). */
export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
