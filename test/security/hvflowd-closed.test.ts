// Issue 14, item 2: hvflowd is never open. It refuses to start without mutual TLS unless
// HVFLOWD_INSECURE_DEV is set, listens on the underlay address by default, serves only southd's
// certificate, and southd talks only to the hvflowd that presents the chassis it dials for.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  ChassisState,
  ChassisStateAck,
  convergeHeaders,
  convergeTopology,
  HvflowdServiceClient,
  messageTypes,
  queues,
} from '@vpcd/api';
import { INSECURE_DEV_WARNING, loadConfig } from '@vpcd/hvflowd';
import { createBroker, type Broker } from '@vpcd/messaging';
import { testBusKey, testVhostUrl } from '@vpcd/messaging/testing';
import { createLogger, createRegistry, EnvError } from '@vpcd/observability';
import { createClient, isRpcError, Status, type PromiseClient } from '@vpcd/rpc';
import { createTestCa, type IssuedCertificate, type TestCa } from '@vpcd/observability/testing';
import { renderKustomization, type K8sObject } from '../deploy/kustomize.js';
import { deployPaths } from '../deploy/paths.js';
import { asWorkload } from '../deploy/workloads.js';
import { spawnService, type ServiceProcess } from '../region/service-process.js';

const main = (name: string) =>
  fileURLToPath(new URL(`../../../services/${name}/dist/main.js`, import.meta.url));
const logger = createLogger({ name: 'test', level: 'silent' });
const FORGED_EPOCH = 2 ** 60;

const hvflowdEnv = {
  NORTHD_ADDR: '127.0.0.1:1',
  CHASSIS_ID: 'hv1',
  UNDERLAY_IP: '192.0.2.11',
  DATAPATH: 'memory',
};

/** The variables loadConfig names, or [] when it accepts `env`. */
function refusedVariables(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    assert.ok(EnvError.is(err), String(err));
    return err.issues.map((i) => i.variable).sort();
  }
}

function state(chassisId: string, epoch: number, generation: number): ChassisState {
  return { chassisId, epoch, generation, vpcs: [], ports: [], remotePorts: [], changes: [] };
}

describe('hvflowd is never open', () => {
  let ca: TestCa;
  let runDir: string;
  const processes: ServiceProcess[] = [];
  const clients: Array<PromiseClient<HvflowdServiceClient>> = [];

  const startHvflowd = async (chassisId: string, cert: IssuedCertificate) => {
    const p = await spawnService({
      name: `hvflowd-${chassisId}-${processes.length}`,
      script: main('hvflowd'),
      readyMessage: 'hvflowd started',
      logDir: runDir,
      env: {
        ...hvflowdEnv,
        CHASSIS_ID: chassisId,
        GRPC_LISTEN: '127.0.0.1:0',
        METRICS_LISTEN: '127.0.0.1:0',
        TLS_CERT: cert.certFile,
        TLS_KEY: cert.keyFile,
        TLS_CA: ca.caFile,
      },
    });
    processes.push(p);
    return p;
  };
  const clientAs = (p: ServiceProcess, cert: IssuedCertificate) => {
    const client = createClient(HvflowdServiceClient, {
      address: `127.0.0.1:${p.grpcPort}`,
      logger,
      registry: createRegistry({ service: 'test', collectDefault: false }),
      tls: { ca: ca.ca, cert: cert.cert, key: cert.key },
    });
    clients.push(client);
    return client;
  };
  const codeOf = async (call: Promise<unknown>) => {
    try {
      await call;
      return Status.OK;
    } catch (err) {
      assert.ok(isRpcError(err), String(err));
      return err.code;
    }
  };

  before(() => {
    runDir = mkdtempSync(join(tmpdir(), 'vpcd-hvflowd-closed-'));
    ca = createTestCa(join(runDir, 'tls'));
  });
  after(async () => {
    for (const c of clients) c.close();
    await Promise.all(processes.map((p) => p.stop()));
    rmSync(runDir, { recursive: true, force: true });
  });

  it('refuses to start without TLS and a client CA, naming the variables', async () => {
    const server = ca.issue('hvflowd:hv1');
    assert.deepEqual(refusedVariables({ ...hvflowdEnv, VPCD_TOKEN: 't' }), [
      'TLS_CA',
      'TLS_CERT',
      'TLS_KEY',
    ]);
    assert.deepEqual(
      refusedVariables({ ...hvflowdEnv, TLS_CERT: server.certFile, TLS_KEY: server.keyFile }),
      ['TLS_CA'],
      'TLS without a client CA is open too',
    );
    // The real process exits before it listens.
    const exit = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [main('hvflowd')],
        { env: { PATH: process.env.PATH, ...hvflowdEnv, VPCD_TOKEN: 't' } },
        (_err, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
      );
    });
    assert.equal(exit.code, 1);
    assert.match(exit.stderr, /TLS_CERT/);
    assert.match(exit.stderr, /TLS_CA/);
    assert.match(exit.stderr, /HVFLOWD_INSECURE_DEV/);
  });

  it('starts without TLS only under HVFLOWD_INSECURE_DEV=true, and says so', async () => {
    assert.deepEqual(
      refusedVariables({ ...hvflowdEnv, VPCD_TOKEN: 't', HVFLOWD_INSECURE_DEV: 'true' }),
      [],
    );
    const p = await spawnService({
      name: 'hvflowd-insecure-dev',
      script: main('hvflowd'),
      // Logged before it listens.
      readyMessage: INSECURE_DEV_WARNING,
      logDir: runDir,
      env: {
        ...hvflowdEnv,
        VPCD_TOKEN: 't',
        HVFLOWD_INSECURE_DEV: 'true',
        GRPC_LISTEN: '127.0.0.1:0',
        METRICS_LISTEN: '127.0.0.1:0',
      },
    });
    processes.push(p);
    await p.stop();
  });

  it('listens on the underlay address by default, not on every interface', () => {
    const server = ca.issue('hvflowd:hv1');
    const config = loadConfig({
      ...hvflowdEnv,
      TLS_CERT: server.certFile,
      TLS_KEY: server.keyFile,
      TLS_CA: ca.caFile,
    });
    assert.equal(config.grpcListen, '192.0.2.11:50053');
  });

  it('refuses a forged huge epoch from any certificate but southd, then applies southd’s', async () => {
    const hv1 = await startHvflowd('hv1', ca.issue('hvflowd:hv1'));
    const southd = clientAs(hv1, ca.issue('southd'));
    for (const impostor of ['hvflowd:hv2', 'hvaddr:hv1', 'northd']) {
      const client = clientAs(hv1, ca.issue(impostor));
      assert.equal(
        await codeOf(client.applyChassisState({ state: state('hv1', FORGED_EPOCH, 1) })),
        Status.PERMISSION_DENIED,
        `${impostor} applied a state`,
      );
      assert.equal(await codeOf(client.getChassisState({})), Status.PERMISSION_DENIED);
    }
    const metrics = await (await fetch(`http://127.0.0.1:${hv1.metricsPort}/metrics`)).text();
    const denied = [
      ...metrics.matchAll(/^grpc_server_handled_total\{[^}]*PermissionDenied[^}]*\} (\d+)/gm),
    ].reduce((n, m) => n + Number(m[1]), 0);
    assert.equal(denied, 6, 'every refusal is counted');
    const before = await southd.getChassisState({});
    assert.ok(before.epoch < FORGED_EPOCH, 'no forged epoch was recorded');
    const applied = await southd.applyChassisState({ state: state('hv1', 3, 1) });
    assert.equal(applied.appliedGeneration, 1);
    const after = await southd.getChassisState({});
    assert.deepEqual([after.epoch, after.generation], [3, 1]);
  });

  it('southd refuses an hvflowd that presents another chassis’ identity', async () => {
    const vhost = await testVhostUrl();
    const broker: Broker = createBroker({
      url: vhost.url,
      logger,
      registry: createRegistry({ service: 'test-northd', collectDefault: false }),
      // Plays northd: southd takes only signed states, and signs its acks.
      signingKeys: testBusKey.signingKeys,
    });
    try {
      await broker.start(convergeTopology);
      const acks: ChassisStateAck[] = [];
      await broker.consume(
        queues.acksQueue,
        (d) => {
          acks.push(ChassisStateAck.decode(d.body));
          return Promise.resolve('ack');
        },
        { type: messageTypes.chassisStateAck },
      );
      const southdCert = ca.issue('southd');
      const southd = await spawnService({
        name: 'southd',
        script: main('southd'),
        readyMessage: 'southd started',
        logDir: runDir,
        env: {
          AMQP_URL: vhost.url,
          GRPC_LISTEN: '127.0.0.1:0',
          METRICS_LISTEN: '127.0.0.1:0',
          RETRY_INITIAL_DELAY_MS: '20',
          RETRY_MAX_DELAY_MS: '100',
          TLS_CERT: southdCert.certFile,
          TLS_KEY: southdCert.keyFile,
          TLS_CA: ca.caFile,
          ...testBusKey.env,
        },
      });
      processes.push(southd);
      const impostor = await startHvflowd('hv2', ca.issue('hvflowd:hv2'));
      const hv3 = await startHvflowd('hv3', ca.issue('hvflowd:hv3'));
      const publish = (s: ChassisState, port: number) =>
        broker.publish(
          queues.convergeExchange,
          s.chassisId,
          Buffer.from(ChassisState.encode(s).finish()),
          {
            type: messageTypes.chassisState,
            headers: {
              [convergeHeaders.chassisId]: s.chassisId,
              [convergeHeaders.epoch]: s.epoch,
              [convergeHeaders.generation]: s.generation,
              [convergeHeaders.hvflowdAddr]: `127.0.0.1:${port}`,
            },
          },
        );
      const metric = async (p: ServiceProcess, pattern: RegExp) => {
        const text = await (await fetch(`http://127.0.0.1:${p.metricsPort}/metrics`)).text();
        return Number(pattern.exec(text)?.[1] ?? 0);
      };
      const impostorCalls = () =>
        metric(
          impostor,
          /grpc_server_started_total\{[^}]*grpc_method="ApplyChassisState"[^}]*\} (\d+)/,
        );
      const until = async (what: string, done: () => boolean) => {
        for (let i = 0; i < 400 && !done(); i++) await new Promise((r) => setTimeout(r, 25));
        assert.ok(done(), what);
      };

      // hv3's state, addressed to hv2's hvflowd: southd never sends it there, and tells northd.
      await publish(state('hv3', 1, 1), impostor.grpcPort);
      await until('southd acknowledged generation 1', () => acks.some((a) => a.generation === 1));
      const refused = acks.find((a) => a.generation === 1)!;
      assert.match(refused.error, /^PERMISSION_DENIED: .*presents "hvflowd:hv2"/);
      assert.equal(refused.stateHash, '');
      assert.equal(await impostorCalls(), 0, 'the impostor received no state');
      assert.ok(
        (await metric(southd, /southd_hvflowd_identity_refused_total (\d+)/)) >= 1,
        'the refusal is counted',
      );

      // The next state for hv3, at hv3's own hvflowd, is applied.
      await publish(state('hv3', 1, 2), hv3.grpcPort);
      await until('hv3 acknowledged generation 2', () => acks.some((a) => a.generation === 2));
      const ack = acks.find((a) => a.generation === 2)!;
      assert.equal(ack.error, '');
      assert.notEqual(ack.stateHash, '');
      assert.equal(await impostorCalls(), 0);
    } finally {
      await broker.close();
      await vhost.drop();
    }
  });
});

describe('hvflowd in the deploy manifests', () => {
  /** hvflowd's effective environment: its ConfigMap's data, then the container's env. */
  const hvflowdEnv = async (dir: string) => {
    const objects = await renderKustomization(dir);
    const config: (K8sObject & { data?: Record<string, string> }) | undefined = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('hvflowd-config'),
    );
    const daemonSet = objects.find((o) => o.kind === 'DaemonSet' && o.metadata.name === 'hvflowd');
    assert.ok(daemonSet, `${dir}: no hvflowd DaemonSet`);
    const container = asWorkload(daemonSet).pod.containers[0]!;
    const env = new Map<string, string>(Object.entries(config?.data ?? {}));
    type EnvVar = {
      name: string;
      value?: string;
      valueFrom?: { fieldRef?: { fieldPath: string } };
    };
    for (const e of (container.env ?? []) as EnvVar[]) {
      env.set(e.name, e.value ?? `fieldRef:${e.valueFrom?.fieldRef?.fieldPath ?? ''}`);
    }
    return env;
  };

  it('listens on the node address (status.hostIP), open only in the dev overlay', async () => {
    for (const [name, dir, open] of [
      ['base', deployPaths.base, false],
      ['prod', join(deployPaths.overlays, 'prod'), false],
      ['dev', join(deployPaths.overlays, 'dev'), true],
    ] as const) {
      const env = await hvflowdEnv(dir);
      assert.equal(env.get('UNDERLAY_IP'), 'fieldRef:status.hostIP', name);
      assert.equal(env.get('GRPC_LISTEN'), '$(UNDERLAY_IP):50053', name);
      assert.equal(env.get('HVFLOWD_INSECURE_DEV') === 'true', open, `${name}: insecure flag`);
      if (name === 'prod') {
        assert.deepEqual(
          ['TLS_CERT', 'TLS_KEY', 'TLS_CA'].map((v) => env.has(v)),
          [true, true, true],
        );
      }
    }
  });
});
