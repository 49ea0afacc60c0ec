import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { findObject, renderKustomization, type K8sObject } from './kustomize.js';
import { deployPaths } from './paths.js';
import { ManifestValidator } from './schema/validator.js';
import { skipUnless } from './tools.js';
import { asWorkload, selects, workloads } from './workloads.js';

const skip = await skipUnless('kubectl');

interface CertificateSpec {
  secretName: string;
  commonName: string;
  dnsNames?: string[];
  usages: string[];
  issuerRef: { name: string; kind: string; group: string };
}

/** The data of the ConfigMap `<service>-config` (generated, so its name has a hash suffix). */
function configOf(objects: K8sObject[], service: string): Record<string, string | undefined> {
  const map = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith(`${service}-config`),
  );
  return (map?.data ?? {}) as Record<string, string>;
}

function healthListen(objects: K8sObject[], service: string): string | undefined {
  return configOf(objects, service).HEALTH_LISTEN;
}
const overlays = ['dev', 'prod', 'with-operators'];
const services = ['northd', 'southd', 'hvflowd', 'hvaddr'];

describe('deploy manifests', { skip }, () => {
  let validator: ManifestValidator;
  const rendered = new Map<string, K8sObject[]>();

  before(async () => {
    validator = await ManifestValidator.create();
    rendered.set('base', await renderKustomization(deployPaths.base));
    for (const overlay of overlays) {
      rendered.set(overlay, await renderKustomization(path.join(deployPaths.overlays, overlay)));
    }
  });

  const render = (name: string) => rendered.get(name) ?? assert.fail(`${name} not rendered`);

  for (const name of ['base', ...overlays]) {
    describe(name === 'base' ? 'the base' : `overlay ${name}`, () => {
      it('validates every object against its schema, unknown fields included', () => {
        const problems = render(name).flatMap((o) =>
          validator.validate(o).map((p) => `${o.kind}/${o.metadata.name}: ${p}`),
        );
        assert.deepEqual(problems, []);
      });

      it('has every service, its config, Service and ServiceMonitor', () => {
        const objects = render(name);
        for (const service of services) {
          const kind = service.startsWith('hv') ? 'DaemonSet' : 'Deployment';
          const workload = asWorkload(findObject(objects, kind, service));
          const svc = findObject(objects, 'Service', service);
          assert.ok(
            selects(
              (svc.spec as { selector: Record<string, string> }).selector,
              workload.podLabels,
            ),
          );
          const monitor = findObject(objects, 'ServiceMonitor', service).spec as {
            jobLabel: string;
            selector: { matchLabels: Record<string, string> };
            endpoints: Array<{ port: string }>;
          };
          assert.equal(monitor.jobLabel, 'app.kubernetes.io/name');
          assert.equal(svc.metadata.labels?.['app.kubernetes.io/name'], service);
          assert.ok(selects(monitor.selector.matchLabels, svc.metadata.labels ?? {}));
          const ports = (svc.spec as { ports: Array<{ name: string }> }).ports.map((p) => p.name);
          assert.ok(monitor.endpoints.every((e) => ports.includes(e.port)));
        }
      });

      it('references only ConfigMaps it renders, and Secrets by name without carrying any', () => {
        const objects = render(name);
        assert.deepEqual(
          objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name),
          [],
        );
        const configMaps = new Set(
          objects.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name),
        );
        const secrets = new Set<string>();
        for (const w of workloads(objects)) {
          for (const c of w.pod.containers) {
            for (const from of c.envFrom ?? []) {
              if (from.configMapRef)
                assert.ok(configMaps.has(from.configMapRef.name), from.configMapRef.name);
            }
            for (const e of c.env ?? []) {
              if (e.valueFrom?.secretKeyRef) secrets.add(e.valueFrom.secretKeyRef.name);
            }
          }
        }
        const allowed =
          name === 'with-operators'
            ? [
                'vpcd-secrets',
                'vpcd-rabbitmq-northd',
                'vpcd-rabbitmq-southd',
                'vpcd-mysql-connection',
              ]
            : ['vpcd-secrets'];
        assert.deepEqual([...secrets].sort(), allowed.sort());
      });

      it('mounts the bus key in northd and southd alone', () => {
        const holders = workloads(render(name))
          .filter((w) => (w.pod.volumes ?? []).some((v) => v.secret?.secretName === 'vpcd-bus-key'))
          .map((w) => w.object.metadata.name)
          .sort();
        assert.deepEqual(holders, ['northd', 'southd']);
      });

      it('defines every $(VAR) an env value uses before the value', () => {
        for (const w of workloads(render(name))) {
          for (const c of w.pod.containers) {
            const defined = new Set<string>();
            for (const e of c.env ?? []) {
              for (const [, ref] of (e.value ?? '').matchAll(/\$\(([A-Z_][A-Z0-9_]*)\)/g)) {
                assert.ok(
                  defined.has(ref!),
                  `${c.name}: ${e.name} uses $(${ref}) before it is set`,
                );
              }
              defined.add(e.name);
            }
          }
        }
      });

      it('runs northd as two or more spread replicas with gRPC probes and a budget', () => {
        const objects = render(name);
        const northd = asWorkload(findObject(objects, 'Deployment', 'northd'));
        assert.ok((northd.replicas ?? 1) >= 2);
        const anti = northd.pod.affinity?.podAntiAffinity;
        assert.ok(
          anti?.requiredDuringSchedulingIgnoredDuringExecution ??
            anti?.preferredDuringSchedulingIgnoredDuringExecution,
        );
        assert.ok((northd.pod.topologySpreadConstraints ?? []).length > 0);
        const [container] = northd.pod.containers;
        // The plaintext health port when HEALTH_LISTEN is set (TLS on the API), else the API's.
        const probePort = Number(healthListen(objects, 'northd')?.split(':').pop() ?? 50051);
        assert.equal(container?.readinessProbe?.grpc?.port, probePort);
        assert.equal(container?.livenessProbe?.grpc?.port, probePort);
        assert.ok(container?.resources?.requests?.cpu && container.resources.limits?.memory);
        const budget = findObject(objects, 'PodDisruptionBudget', 'northd').spec as {
          minAvailable: number;
          selector: { matchLabels: Record<string, string> };
        };
        assert.ok(selects(budget.selector.matchLabels, northd.podLabels));
        assert.ok(budget.minAvailable >= 1 && budget.minAvailable < (northd.replicas ?? 1));
        assert.ok((asWorkload(findObject(objects, 'Deployment', 'southd')).replicas ?? 1) >= 2);
      });

      it('keeps northd and southd within the restricted pod security profile', () => {
        for (const service of ['northd', 'southd']) {
          const { pod } = asWorkload(findObject(render(name), 'Deployment', service));
          assert.equal(pod.securityContext?.runAsNonRoot, true, service);
          assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault', service);
          assert.equal(pod.automountServiceAccountToken, false, service);
          for (const c of pod.containers) {
            assert.equal(c.securityContext?.allowPrivilegeEscalation, false, service);
            assert.equal(c.securityContext?.readOnlyRootFilesystem, true, service);
            assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL'], service);
            assert.equal(c.securityContext?.capabilities?.add, undefined, service);
          }
        }
      });

      it('puts hvflowd and hvaddr on hypervisors with only the host access they need', () => {
        for (const service of ['hvflowd', 'hvaddr']) {
          const { pod } = asWorkload(findObject(render(name), 'DaemonSet', service));
          assert.equal(pod.nodeSelector?.['vpcd/hypervisor'], 'true', service);
          assert.equal(pod.hostNetwork, true, service);
          const [c] = pod.containers;
          assert.equal(c?.securityContext?.privileged, false, service);
          assert.equal(c?.securityContext?.allowPrivilegeEscalation, false, service);
          assert.deepEqual(c?.securityContext?.capabilities?.drop, ['ALL'], service);
          const added = c?.securityContext?.capabilities?.add ?? [];
          assert.deepEqual(added, service === 'hvaddr' ? ['NET_BIND_SERVICE'] : [], service);
          const hostPaths = (pod.volumes ?? []).flatMap((v) =>
            v.hostPath ? [v.hostPath.path] : [],
          );
          // The OVS run directory (hvaddr reads the bridge's ports from ovsdb-server: DHCP is
          // served by ingress port), and in prod the node's own certificate (per-node identity).
          const certificate = name === 'prod' || name === 'with-operators';
          assert.deepEqual(
            hostPaths.sort(),
            [...(certificate ? [`/etc/vpcd/pki/${service}`] : []), '/var/run/openvswitch'],
            service,
          );
        }
      });

      it('denies by default and lets the monitoring namespace scrape', () => {
        const objects = render(name);
        const deny = findObject(objects, 'NetworkPolicy', 'vpcd-default-deny').spec as {
          policyTypes: string[];
        };
        assert.deepEqual(deny.policyTypes, ['Ingress', 'Egress']);
        for (const service of ['northd', 'southd']) {
          const policy = findObject(objects, 'NetworkPolicy', service).spec as {
            podSelector: { matchLabels: Record<string, string> };
            ingress: Array<{ from?: unknown[]; ports: Array<{ port: string | number }> }>;
          };
          const pods = asWorkload(findObject(objects, 'Deployment', service)).podLabels;
          assert.ok(selects(policy.podSelector.matchLabels, pods));
          assert.ok(
            policy.ingress.some((r) => r.from && r.ports.some((p) => p.port === 'metrics')),
          );
        }
      });

      it('deploys the rules file as its PrometheusRule and every dashboard as a ConfigMap', async () => {
        const objects = render(name);
        const rule = findObject(objects, 'PrometheusRule', 'vpcd').spec as { groups: unknown };
        const rules = parse(await readFile(deployPaths.rules, 'utf8')) as { groups: unknown };
        assert.deepEqual(rule.groups, rules.groups);
        const boards = objects.filter((o) => o.metadata.labels?.grafana_dashboard === '1');
        assert.equal(boards.length, 6);
        for (const board of boards) {
          const data = Object.values(board.data as Record<string, string>);
          assert.equal(data.length, 1);
          assert.match((JSON.parse(data[0]!) as { uid: string }).uid, /^vpcd-/);
        }
      });
    });
  }

  it('pins released images in prod', () => {
    for (const w of workloads(render('prod'))) {
      for (const c of w.pod.containers) {
        assert.match(c.image, /^vpcd\/(northd|southd|hvflowd|hvaddr):\d+\.\d+\.\d+$/);
      }
    }
  });

  it('runs mutual TLS in prod: certificates from vpcd-ca or the node, probes on the health port', () => {
    const objects = render('prod');
    const certificates = new Map(
      objects
        .filter((o) => o.kind === 'Certificate')
        .map((o) => [o.metadata.name, o.spec as CertificateSpec]),
    );
    const usages: Record<string, string[]> = {
      northd: ['server auth'],
      southd: ['server auth', 'client auth'],
    };
    // northd and southd: a Certificate each; hvflowd and hvaddr: the node's own certificate in
    // /etc/vpcd/pki/<service> on the host (no Certificate: every node would share it).
    assert.deepEqual([...certificates.keys()].sort(), ['northd', 'southd']);
    for (const service of services) {
      const kind = service.startsWith('hv') ? 'DaemonSet' : 'Deployment';
      const { pod } = asWorkload(findObject(objects, kind, service));
      const [c] = pod.containers;
      const env = new Map((c?.env ?? []).map((e) => [e.name, e.value]));
      const mount = c?.volumeMounts?.find((m) => m.mountPath === '/etc/vpcd/tls');
      const volume = pod.volumes?.find((v) => v.name === mount?.name);
      assert.equal(mount?.readOnly, true, service);
      if (service.startsWith('hv')) {
        assert.equal(volume?.hostPath?.path, `/etc/vpcd/pki/${service}`, service);
      } else {
        const cert = certificates.get(service) ?? assert.fail(`no Certificate ${service}`);
        assert.deepEqual(cert.issuerRef, {
          name: 'vpcd-ca',
          kind: 'ClusterIssuer',
          group: 'cert-manager.io',
        });
        assert.equal(cert.commonName, service, 'northd maps the CN to the service principal');
        assert.deepEqual(
          cert.usages.filter((u) => u.endsWith(' auth')),
          usages[service],
          service,
        );
        assert.equal(volume?.secret?.secretName, cert.secretName, service);
      }
      for (const [name, file] of [
        ['TLS_CERT', 'tls.crt'],
        ['TLS_KEY', 'tls.key'],
        ['TLS_CA', 'ca.crt'],
      ] as const) {
        assert.equal(env.get(name), `/etc/vpcd/tls/${file}`, `${service} ${name}`);
      }
      if (service === 'hvaddr') continue; // no gRPC server: HTTP probes on its ops port
      const health = healthListen(objects, service) ?? assert.fail(`${service}: no HEALTH_LISTEN`);
      const port = Number(health.split(':').pop());
      for (const probe of [c?.startupProbe, c?.readinessProbe, c?.livenessProbe]) {
        assert.equal(probe?.grpc?.port, port, `${service} probes the health port`);
      }
      assert.ok(
        c?.ports?.some((p) => p.containerPort === port && p.name === 'health'),
        service,
      );
    }
    // The names clients check: hvflowd and hvaddr dial northd across namespaces by
    // NORTHD_ADDR's host; southd dials node addresses and checks that each hvflowd's
    // certificate names the chassis (CN hvflowd:<chassis>), so no shared name overrides it.
    for (const client of ['hvflowd', 'hvaddr']) {
      const host = configOf(objects, client).NORTHD_ADDR?.split(':')[0] ?? '';
      assert.equal(host, 'northd.vpcd.svc', client);
      assert.ok(certificates.get('northd')?.dnsNames?.includes(host), `${client} -> ${host}`);
    }
    assert.equal(configOf(objects, 'southd').HVFLOWD_SERVER_NAME, undefined);
  });

  it('connects northd and southd to RabbitMQ over AMQPS, each as its own user (with-operators)', () => {
    const objects = render('with-operators');
    const cluster = findObject(objects, 'RabbitmqCluster', 'vpcd-rabbitmq').spec as {
      tls?: { secretName?: string };
    };
    const cert = findObject(objects, 'Certificate', 'vpcd-rabbitmq').spec as CertificateSpec;
    assert.equal(cluster.tls?.secretName, cert.secretName);
    assert.ok(cert.dnsNames?.includes('vpcd-rabbitmq'));
    for (const service of ['northd', 'southd']) {
      const env =
        asWorkload(findObject(objects, 'Deployment', service)).pod.containers[0]!.env ?? [];
      const url = env.find((e) => e.name === 'AMQP_URL')?.value ?? '';
      assert.match(
        url,
        /^amqps:\/\/\$\(RABBITMQ_USERNAME\):\$\(RABBITMQ_PASSWORD\)@vpcd-rabbitmq:5671$/,
      );
      const user = env.find((e) => e.name === 'RABBITMQ_USERNAME')?.valueFrom?.secretKeyRef?.name;
      assert.equal(user, `vpcd-rabbitmq-${service}`);
      assert.equal(env.find((e) => e.name === 'TLS_CA')?.value, '/etc/vpcd/tls/ca.crt', service);
    }
  });

  it('leaves dev in plaintext without a health port', () => {
    const objects = render('dev');
    assert.equal(objects.filter((o) => o.kind === 'Certificate').length, 0);
    for (const service of ['northd', 'southd', 'hvflowd']) {
      assert.equal(healthListen(objects, service), undefined, service);
    }
  });

  it('serves gRPC reflection in dev only', () => {
    for (const overlay of ['dev', 'prod', 'with-operators'] as const) {
      const objects = render(overlay);
      for (const service of ['northd', 'southd', 'hvflowd']) {
        const want = overlay === 'dev' ? 'true' : undefined;
        assert.equal(configOf(objects, service).GRPC_REFLECTION, want, `${overlay} ${service}`);
      }
    }
  });

  it('runs a 3-node RabbitMQ and a replicated MariaDB with exporters in with-operators', () => {
    const objects = render('with-operators');
    const rabbit = findObject(objects, 'RabbitmqCluster', 'vpcd-rabbitmq').spec as {
      replicas: number;
      rabbitmq: { additionalConfig: string };
    };
    assert.equal(rabbit.replicas, 3);
    assert.match(rabbit.rabbitmq.additionalConfig, /^default_queue_type = quorum$/m);
    const mariadb = findObject(objects, 'MariaDB', 'vpcd-mysql').spec as {
      replicas: number;
      replication: { enabled: boolean };
      metrics: { enabled: boolean };
    };
    assert.ok(mariadb.replicas >= 3 && mariadb.replication.enabled && mariadb.metrics.enabled);
    findObject(objects, 'ServiceMonitor', 'vpcd-rabbitmq');
  });

  it('rejects unknown fields and wrong types, in Kubernetes objects and custom resources', () => {
    const deployment = structuredClone(findObject(render('prod'), 'Deployment', 'northd'));
    const spec = deployment.spec as {
      template: { spec: { containers: Array<Record<string, unknown>> } };
      replicas: unknown;
    };
    spec.template.spec.containers[0]!.readinessProbes = {};
    spec.replicas = 'two';
    const problems = validator.validate(deployment);
    assert.ok(
      problems.some((p) => p.includes('containers[0].readinessProbes: unknown field')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.includes('/spec/replicas')),
      problems.join('\n'),
    );

    const rabbit = structuredClone(
      findObject(render('with-operators'), 'RabbitmqCluster', 'vpcd-rabbitmq'),
    );
    (rabbit.spec as Record<string, unknown>).replica = 3;
    (rabbit.spec as { affinity: Record<string, unknown> }).affinity.podAntiAffinty = {};
    const crProblems = validator.validate(rabbit);
    assert.ok(
      crProblems.some((p) => p.includes('(replica)')),
      crProblems.join('\n'),
    );
    assert.ok(
      crProblems.some((p) => p.includes('podAntiAffinty: unknown field')),
      crProblems.join('\n'),
    );

    const certificate = structuredClone(findObject(render('prod'), 'Certificate', 'northd'));
    (certificate.spec as Record<string, unknown>).dnsName = ['northd'];
    (certificate.spec as { usages: string[] }).usages.push('serverAuth');
    const certProblems = validator.validate(certificate);
    assert.ok(
      certProblems.some((p) => p.includes('(dnsName)')) &&
        certProblems.some((p) => p.includes('/spec/usages/3')),
      certProblems.join('\n'),
    );

    assert.deepEqual(
      validator.validate({ apiVersion: 'v9', kind: 'Nothing', metadata: { name: 'x' } }),
      ['v9/Nothing: no schema for this kind'],
    );
  });
});
