import type { TypeRef } from './unknown-fields.js';

/**
 * The kinds the manifests may contain, and where their schema comes from: a kubernetes-models
 * (Kubernetes 1.31 API) or @kubernetes-models/prometheus-operator model, whose class validates
 * types, required fields and formats and whose declared type lists the known fields; or a JSON
 * schema under deploy/schemas for the operators' custom resources (RabbitMQ, MariaDB, cert-manager).
 */
export type KindSchema =
  | {
      readonly source: 'model';
      readonly module: string;
      readonly className: string;
      readonly type: TypeRef;
    }
  | { readonly source: 'json-schema'; readonly file: string };

function model(module: string, className: string): KindSchema {
  return { source: 'model', module, className, type: { module, name: `I${className}` } };
}

export const kinds: ReadonlyMap<string, KindSchema> = new Map<string, KindSchema>([
  ['v1/ConfigMap', model('kubernetes-models/v1/ConfigMap', 'ConfigMap')],
  ['v1/Namespace', model('kubernetes-models/v1/Namespace', 'Namespace')],
  ['v1/Secret', model('kubernetes-models/v1/Secret', 'Secret')],
  ['v1/Service', model('kubernetes-models/v1/Service', 'Service')],
  ['v1/ServiceAccount', model('kubernetes-models/v1/ServiceAccount', 'ServiceAccount')],
  ['apps/v1/DaemonSet', model('kubernetes-models/apps/v1/DaemonSet', 'DaemonSet')],
  ['apps/v1/Deployment', model('kubernetes-models/apps/v1/Deployment', 'Deployment')],
  [
    'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy',
    model(
      'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicy',
    ),
  ],
  [
    'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding',
    model(
      'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding',
      'ValidatingAdmissionPolicyBinding',
    ),
  ],
  [
    'networking.k8s.io/v1/NetworkPolicy',
    model('kubernetes-models/networking.k8s.io/v1/NetworkPolicy', 'NetworkPolicy'),
  ],
  [
    'policy/v1/PodDisruptionBudget',
    model('kubernetes-models/policy/v1/PodDisruptionBudget', 'PodDisruptionBudget'),
  ],
  [
    'scheduling.k8s.io/v1/PriorityClass',
    model('kubernetes-models/scheduling.k8s.io/v1/PriorityClass', 'PriorityClass'),
  ],
  [
    'monitoring.coreos.com/v1/PodMonitor',
    model(
      '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor',
      'PodMonitor',
    ),
  ],
  [
    'monitoring.coreos.com/v1/PrometheusRule',
    model(
      '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule',
      'PrometheusRule',
    ),
  ],
  [
    'monitoring.coreos.com/v1/ServiceMonitor',
    model(
      '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
      'ServiceMonitor',
    ),
  ],
  [
    'rabbitmq.com/v1beta1/RabbitmqCluster',
    { source: 'json-schema', file: 'rabbitmq.com_v1beta1_rabbitmqcluster.json' },
  ],
  ['rabbitmq.com/v1beta1/User', { source: 'json-schema', file: 'rabbitmq.com_v1beta1_user.json' }],
  [
    'rabbitmq.com/v1beta1/Permission',
    { source: 'json-schema', file: 'rabbitmq.com_v1beta1_permission.json' },
  ],
  [
    'rabbitmq.com/v1beta1/Policy',
    { source: 'json-schema', file: 'rabbitmq.com_v1beta1_policy.json' },
  ],
  [
    'k8s.mariadb.com/v1alpha1/MariaDB',
    { source: 'json-schema', file: 'k8s.mariadb.com_v1alpha1_mariadb.json' },
  ],
  [
    'cert-manager.io/v1/Certificate',
    { source: 'json-schema', file: 'cert-manager.io_v1_certificate.json' },
  ],
  [
    'k8s.mariadb.com/v1alpha1/Connection',
    { source: 'json-schema', file: 'k8s.mariadb.com_v1alpha1_connection.json' },
  ],
]);

/**
 * Kubernetes types that custom-resource schemas embed (`"x-kubernetes-model": "Affinity"`):
 * validated like the kinds above.
 */
export const embeddedTypes: ReadonlyMap<
  string,
  { module: string; className: string; type: TypeRef }
> = new Map(
  ['Affinity', 'ResourceRequirements', 'Toleration'].map((name) => {
    const module = `kubernetes-models/v1/${name}`;
    return [name, { module, className: name, type: { module, name: `I${name}` } }];
  }),
);

export function kindKey(object: { apiVersion?: unknown; kind?: unknown }): string {
  return `${String(object.apiVersion)}/${String(object.kind)}`;
}
