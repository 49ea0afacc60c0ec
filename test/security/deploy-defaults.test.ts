import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { admissionDenials } from '../deploy/admission-policy.js';
import { agentIdentityProblems } from '../deploy/agent-identity.js';
import { findObject, renderKustomization, type K8sObject } from '../deploy/kustomize.js';
import { ingressAllowed, type PolicyPod } from '../deploy/network-policy.js';
import { deployPaths } from '../deploy/paths.js';
import {
  adminTokenProblems,
  agentProblems,
  disruptionBudgetProblems,
  namespaceProblems,
  podTemplates,
  resourceProblems,
  restrictedProblems,
  type AgentAllowance,
  type PodTemplate,
} from '../deploy/security-rules.js';
import { skipUnless } from '../deploy/tools.js';
import { selects } from '../deploy/workloads.js';

// docs/security.md, items 1 (deploy side) and 9: what every overlay must hold, checked on the
// rendered manifests (kubectl kustomize), offline.

const skip = await skipUnless('kubectl');

/** What each host agent needs beyond the restricted profile, and why (deploy/README.md). */
const agents: Record<string, AgentAllowance> = {
  // Root owns the OVS sockets: uid 0 opens them as their owner, with no capability at all.
  hvflowd: {
    capabilities: [],
    hostPaths: ['/var/run/openvswitch', '/etc/vpcd/pki/hvflowd'],
  },
  // UDP 67 is a privileged port; ovsdb-server's socket says which interface is at which port.
  hvaddr: {
    capabilities: ['NET_BIND_SERVICE'],
    hostPaths: ['/var/run/openvswitch', '/etc/vpcd/pki/hvaddr'],
  },
};

const overlays = ['dev', 'prod', 'with-operators'] as const;

/** The Pod a template makes, as the admission policy sees it. */
function asPod(t: PodTemplate): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${t.name}-x`, namespace: t.namespace, labels: t.labels },
    spec: t.pod,
  };
}

describe('deploy defaults', { skip }, () => {
  const rendered = new Map<string, K8sObject[]>();
  before(async () => {
    for (const overlay of overlays) {
      rendered.set(overlay, await renderKustomization(path.join(deployPaths.overlays, overlay)));
    }
  });
  const render = (name: string) => rendered.get(name) ?? assert.fail(`${name} not rendered`);
  const template = (objects: K8sObject[], id: string) =>
    podTemplates(objects).find((t) => t.id === id) ?? assert.fail(`no ${id}`);

  for (const overlay of overlays) {
    describe(`overlay ${overlay}`, () => {
      it('gives the admin token to northd alone', () => {
        const objects = render(overlay);
        assert.deepEqual(adminTokenProblems(objects), []);
        const northd = template(objects, 'Deployment/northd').pod.containers[0];
        assert.ok(northd?.env?.some((e) => e.name === 'VPCD_ADMIN_TOKEN'));
      });

      it('runs northd and southd under Pod Security restricted, the agents apart', () => {
        const objects = render(overlay);
        // with-operators: the operators' pods share vpcd; restricted is warned and audited.
        const enforce = overlay === 'with-operators' ? 'baseline' : 'restricted';
        assert.deepEqual(namespaceProblems(objects, enforce), []);
        const controlPlane = template(objects, 'Deployment/northd').namespace;
        const inControlPlane = podTemplates(objects).filter((t) => t.namespace === controlPlane);
        assert.ok(inControlPlane.length >= 2);
        assert.deepEqual(inControlPlane.flatMap(restrictedProblems), []);
      });

      it('gives hvflowd and hvaddr only the capabilities and host paths they need', () => {
        const objects = render(overlay);
        for (const [service, allowed] of Object.entries(agents)) {
          assert.deepEqual(agentProblems(template(objects, `DaemonSet/${service}`), allowed), []);
        }
      });

      it('sets requests and limits everywhere and a budget on every non-DaemonSet workload', () => {
        const objects = render(overlay);
        assert.deepEqual(resourceProblems(objects), []);
        assert.deepEqual(disruptionBudgetProblems(objects), []);
      });

      it("admits in the agents' namespace only pods that need no more than the agents", () => {
        const objects = render(overlay);
        const policy = findObject(objects, 'ValidatingAdmissionPolicy', 'vpcd-hypervisor-agents');
        const binding = findObject(
          objects,
          'ValidatingAdmissionPolicyBinding',
          'vpcd-hypervisor-agents',
        ).spec as {
          policyName: string;
          validationActions: string[];
          matchResources: { namespaceSelector: { matchLabels: Record<string, string> } };
        };
        assert.equal(binding.policyName, policy.metadata.name);
        assert.ok(binding.validationActions.includes('Deny'));
        const labelsOf = (t: PodTemplate) =>
          findObject(objects, 'Namespace', t.namespace ?? '').metadata.labels ?? {};
        const selector = binding.matchResources.namespaceSelector.matchLabels;
        const hvflowd = template(objects, 'DaemonSet/hvflowd');
        assert.ok(selects(selector, labelsOf(hvflowd)), 'the agents are bound');
        assert.ok(!selects(selector, labelsOf(template(objects, 'Deployment/northd'))));
        for (const service of Object.keys(agents)) {
          const t = template(objects, `DaemonSet/${service}`);
          assert.deepEqual(admissionDenials(policy, asPod(t)), [], service);
        }
      });

      it('binds each agent credential to its node', () => {
        const mode = overlay === 'dev' ? 'token' : 'certificate';
        assert.deepEqual(agentIdentityProblems(render(overlay), mode), []);
      });
    });
  }

  it('lets only northd reach MariaDB and only northd and southd reach RabbitMQ', () => {
    const objects = render('with-operators');
    const vpcd = podTemplates(objects).filter((t) => t.namespace === 'vpcd');
    const mariadb: PolicyPod = {
      namespace: 'vpcd',
      labels: { 'app.kubernetes.io/name': 'mariadb', 'app.kubernetes.io/instance': 'vpcd-mysql' },
    };
    const rabbitmq: PolicyPod = {
      namespace: 'vpcd',
      labels: {
        'app.kubernetes.io/name': 'vpcd-rabbitmq',
        'app.kubernetes.io/component': 'rabbitmq',
      },
    };
    const reaching = (target: PolicyPod, port: number) =>
      vpcd
        .filter((t) =>
          ingressAllowed(objects, target, port, { namespace: 'vpcd', labels: t.labels }),
        )
        .map((t) => t.name)
        .sort();
    assert.deepEqual(reaching(mariadb, 3306), ['northd']);
    assert.deepEqual(reaching(rabbitmq, 5672), ['northd', 'southd']);
    assert.deepEqual(reaching(rabbitmq, 5671), ['northd', 'southd']);
    const exporter: PolicyPod = {
      namespace: 'vpcd',
      labels: {
        'app.kubernetes.io/name': 'exporter',
        'app.kubernetes.io/instance': 'vpcd-mysql-metrics',
      },
    };
    assert.ok(ingressAllowed(objects, mariadb, 3306, exporter));
    const monitoring: PolicyPod = { namespace: 'monitoring', labels: { app: 'prometheus' } };
    assert.ok(ingressAllowed(objects, rabbitmq, 15692, monitoring));
    assert.ok(!ingressAllowed(objects, rabbitmq, 5672, monitoring));
    const tenant: PolicyPod = {
      namespace: 'tenant-a',
      labels: { 'app.kubernetes.io/name': 'northd' },
    };
    assert.ok(!ingressAllowed(objects, mariadb, 3306, tenant));
    assert.ok(!ingressAllowed(objects, rabbitmq, 5672, tenant));
    assert.ok(!ingressAllowed(objects, rabbitmq, 15672, tenant));
  });

  it('catches each kind of violation', () => {
    const objects = structuredClone(render('prod'));
    const southd = template(objects, 'Deployment/southd');
    southd.pod.containers[0]!.env!.push({
      name: 'VPCD_TOKEN',
      valueFrom: { secretKeyRef: { name: 'vpcd-secrets', key: 'VPCD_ADMIN_TOKEN' } },
    });
    southd.pod.volumes!.push({ name: 'all', secret: { secretName: 'vpcd-secrets' } });
    assert.equal(adminTokenProblems(objects).length, 2);

    southd.pod.containers[0]!.securityContext!.capabilities!.add = ['NET_ADMIN'];
    southd.pod.hostNetwork = true;
    assert.deepEqual(restrictedProblems(southd), [
      'Deployment/southd: hostNetwork',
      'Deployment/southd: container southd adds NET_ADMIN',
    ]);

    const hvflowd = template(objects, 'DaemonSet/hvflowd');
    const sc = hvflowd.pod.containers[0]!.securityContext!;
    sc.privileged = true;
    sc.capabilities!.add = ['NET_ADMIN'];
    hvflowd.pod.volumes!.push({ name: 'root', hostPath: { path: '/' } });
    assert.equal(agentProblems(hvflowd, agents.hvflowd!).length, 3);

    delete southd.pod.containers[0]!.resources!.limits;
    assert.deepEqual(resourceProblems(objects), [
      'Deployment/southd: container southd: no limits.memory',
    ]);
    const withoutBudget = objects.filter(
      (o) => !(o.kind === 'PodDisruptionBudget' && o.metadata.name === 'southd'),
    );
    assert.deepEqual(disruptionBudgetProblems(withoutBudget), [
      'Deployment/southd: no PodDisruptionBudget selects its pods',
    ]);

    const namespace = findObject(objects, 'Namespace', 'vpcd');
    namespace.metadata.labels!['pod-security.kubernetes.io/enforce'] = 'privileged';
    assert.deepEqual(namespaceProblems(objects), [
      'Namespace vpcd: enforce=privileged, want restricted',
    ]);

    hvflowd.pod.volumes!.find((v) => v.name === 'tls')!.hostPath = undefined;
    hvflowd.pod.volumes!.find((v) => v.name === 'tls')!.secret = { secretName: 'hvflowd-tls' };
    assert.equal(agentIdentityProblems(objects, 'certificate').length, 3);

    const policy = findObject(objects, 'ValidatingAdmissionPolicy', 'vpcd-hypervisor-agents');
    const hvaddr = structuredClone(template(render('prod'), 'DaemonSet/hvaddr'));
    const c = hvaddr.pod.containers[0]!;
    c.securityContext = { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'SYS_ADMIN'] } };
    hvaddr.pod.hostPID = true;
    hvaddr.pod.volumes!.push({ name: 'root', hostPath: { path: '/' } });
    hvaddr.pod.initContainers = [
      { name: 'init', image: 'x', securityContext: { privileged: true } },
    ];
    assert.deepEqual(admissionDenials(policy, asPod(hvaddr)), [
      "hypervisor agents share the host's network only, not its PID or IPC namespace",
      "no privileged container in the hypervisor agents' namespace",
      'every container sets securityContext.allowPrivilegeEscalation to false',
      'every container drops ALL capabilities and adds at most NET_BIND_SERVICE',
      'host paths are limited to /var/run/openvswitch and /etc/vpcd/pki/hvflowd, /etc/vpcd/pki/hvaddr',
    ]);

    const data = structuredClone(render('with-operators'));
    data.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'open', namespace: 'vpcd' },
      spec: { podSelector: {}, ingress: [{}] },
    });
    const mariadb: PolicyPod = {
      namespace: 'vpcd',
      labels: { 'app.kubernetes.io/name': 'mariadb', 'app.kubernetes.io/instance': 'vpcd-mysql' },
    };
    const southdPod = { namespace: 'vpcd', labels: { 'app.kubernetes.io/name': 'southd' } };
    assert.ok(ingressAllowed(data, mariadb, 3306, southdPod));
  });
});
