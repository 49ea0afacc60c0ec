import assert from 'node:assert/strict';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  ChassisDelta,
  ChassisState,
  ChassisStateAck,
  type ApplyChassisStateResponse,
  convergeHeaders,
  HvflowdServiceService,
  queues,
  type ApplyChassisStateRequest,
  messageTypes,
} from '@vpcd/api';
import { createBroker, type Broker } from '@vpcd/messaging';
import { testBusKey, testVhostUrl } from '@vpcd/messaging/testing';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createServer, RpcError, Status, type RpcServer } from '@vpcd/rpc';
import { loadConfig } from './config.js';
import { startSouthd, type Southd } from './server.js';

const logger = createLogger({ name: 'test', level: 'silent' });

/**
 * A stand-in hvflowd that records the states and deltas it applied; `behaviour` decides each
 * answer (it may throw, or change fields of the answer).
 */
async function fakeHvflowd(
  behaviour: (req: ApplyChassisStateRequest) => Promise<Partial<ApplyChassisStateResponse> | void>,
  port = 0,
): Promise<{ server: RpcServer; port: number; applied: Array<ChassisState | ChassisDelta> }> {
  const applied: Array<ChassisState | ChassisDelta> = [];
  const server = createServer({
    logger,
    registry: createRegistry({ service: 'h', collectDefault: false }),
  });
  server.add(HvflowdServiceService, {
    applyChassisState: async (req) => {
      const answer = await behaviour(req);
      const work = (req.state ?? req.delta)!;
      applied.push(work);
      return {
        appliedGeneration: work.generation,
        stateHash: `hash-${work.generation}`,
        flowsAdded: 0,
        flowsRemoved: 0,
        rejectedPorts: [],
        needsFullState: false,
        contentHash: '',
        ...answer,
      };
    },
    getChassisState: () => Promise.reject(new RpcError(Status.UNIMPLEMENTED, 'not here')),
  });
  const bound = await server.listen(`127.0.0.1:${port}`);
  return { server, port: bound, applied };
}

function state(chassisId: string, generation: number, epoch = 1): ChassisState {
  return { chassisId, epoch, generation, vpcs: [], ports: [], remotePorts: [], changes: [] };
}

function delta(chassisId: string, generation: number, changes: number[] = []): ChassisDelta {
  return {
    chassisId,
    epoch: 1,
    baseGeneration: generation - 1,
    generation,
    vpcs: [],
    ports: [],
    remotePorts: [],
    removedVpcs: [],
    removedPorts: [],
    removedRemotePorts: [],
    changes,
  };
}

describe('southd', () => {
  let vhost: { url: string; drop(): Promise<void> };
  let broker: Broker; // plays northd
  const acks: ChassisStateAck[] = [];
  const southds: Southd[] = [];
  let primary: import('prom-client').Registry;
  const deliveries = async (result: string) =>
    Number(
      new RegExp(`southd_deliveries_total\\{result="${result}"\\} (\\d+)`).exec(
        await primary.metrics(),
      )?.[1] ?? 0,
    );

  const startOne = async (env: Record<string, string> = {}) => {
    const config = loadConfig({
      AMQP_URL: vhost.url,
      GRPC_LISTEN: '127.0.0.1:0',
      METRICS_LISTEN: '127.0.0.1:0',
      RETRY_INITIAL_DELAY_MS: '20',
      RETRY_MAX_DELAY_MS: '100',
      APPLY_TIMEOUT_MS: '2000',
      ...testBusKey.env,
      ...env,
    });
    const registry = createRegistry({ service: 'southd', collectDefault: false });
    const deps = {
      logger,
      registry,
      tracing: undefined,
      broker: createBroker({
        url: vhost.url,
        logger,
        registry,
        signingKeys: config.bus.signingKeys,
      }),
    };
    const s = await startSouthd(config, deps);
    southds.push(s);
    return { southd: s, registry };
  };

  const publish = (s: ChassisState | ChassisDelta, hvflowdAddr: string) =>
    broker.publish(
      queues.convergeExchange,
      s.chassisId,
      Buffer.from(
        'baseGeneration' in s ? ChassisDelta.encode(s).finish() : ChassisState.encode(s).finish(),
      ),
      {
        type: 'baseGeneration' in s ? messageTypes.chassisDelta : messageTypes.chassisState,
        headers: {
          [convergeHeaders.chassisId]: s.chassisId,
          [convergeHeaders.epoch]: s.epoch,
          [convergeHeaders.generation]: s.generation,
          [convergeHeaders.hvflowdAddr]: hvflowdAddr,
        },
      },
    );

  const until = async (done: () => boolean) => {
    for (let i = 0; i < 2000 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(done(), 'condition not reached');
  };

  before(async () => {
    vhost = await testVhostUrl();
    broker = createBroker({
      url: vhost.url,
      logger,
      registry: createRegistry({ service: 'n', collectDefault: false }),
      signingKeys: testBusKey.signingKeys,
    });
    const { convergeTopology } = await import('@vpcd/api');
    await broker.start(convergeTopology);
    await broker.consume(queues.acksQueue, (d) => {
      acks.push(ChassisStateAck.decode(d.body));
      return Promise.resolve('ack');
    });
  });
  after(async () => {
    for (const s of southds) await s.stop();
    await broker.close();
    await vhost.drop();
  });

  it('applies a state on its hvflowd and acknowledges it with the state hash', async () => {
    const h = await fakeHvflowd(() => Promise.resolve());
    primary = (await startOne()).registry;
    await publish(state('hv-a', 7), `127.0.0.1:${h.port}`);
    await until(() => acks.some((a) => a.chassisId === 'hv-a'));
    assert.deepEqual(
      acks.find((a) => a.chassisId === 'hv-a'),
      {
        chassisId: 'hv-a',
        epoch: 1,
        generation: 7,
        stateHash: 'hash-7',
        error: '',
        rejectedPorts: [],
        refused: '',
        needsFullState: false,
        changes: [],
        contentHash: '',
      },
    );
    await h.server.shutdown();
  });

  it('requeues while hvflowd is unreachable and delivers once it is back, dropping nothing', async () => {
    const probe = await fakeHvflowd(() => Promise.resolve());
    const port = probe.port;
    await probe.server.shutdown(); // now nothing listens on `port`
    await publish(state('hv-down', 3), `127.0.0.1:${port}`);
    for (let i = 0; i < 2000 && (await deliveries('retry')) < 2; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.ok((await deliveries('retry')) >= 2, 'retried while hvflowd was down');
    assert.ok(!acks.some((a) => a.chassisId === 'hv-down'), 'not acknowledged while down');
    const h = await fakeHvflowd(() => Promise.resolve(), port);
    await until(() => acks.some((a) => a.chassisId === 'hv-down'));
    assert.equal(h.applied.filter((s) => s.chassisId === 'hv-down').length, 1);
    await h.server.shutdown();
  });

  it('lets a newer generation supersede older ones still queued', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const first = new Promise<void>((r) => (entered = r));
    const h = await fakeHvflowd(async (req) => {
      if (req.state?.generation === 1) {
        entered();
        await released;
      }
    });
    const address = `127.0.0.1:${h.port}`;
    await publish(state('hv-s', 1), address);
    await first;
    await publish(state('hv-s', 2), address);
    await publish(state('hv-s', 3), address);
    // Both newer states are in southd (waiting behind generation 1) before it finishes.
    const queued = async () =>
      Number(/southd_workers_queue_depth (\d+)/.exec(await primary.metrics())?.[1] ?? 0);
    for (let i = 0; i < 2000 && (await queued()) < 2; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(await queued(), 2);
    release();
    await until(() => acks.some((a) => a.chassisId === 'hv-s' && a.generation === 3));
    const applied = h.applied.filter((s) => s.chassisId === 'hv-s').map((s) => s.generation);
    assert.deepEqual(applied, [1, 3], 'generation 2 was overtaken by 3 before it ran');
    await h.server.shutdown();
  });

  it('drops work fenced by a newer epoch and acknowledges a refused state with its error', async () => {
    const h = await fakeHvflowd((req) =>
      req.state?.chassisId === 'hv-fenced'
        ? Promise.reject(new RpcError(Status.FAILED_PRECONDITION, 'stale epoch 1 < 2'))
        : Promise.reject(new RpcError(Status.INVALID_ARGUMENT, 'bad state')),
    );
    await publish(state('hv-fenced', 4), `127.0.0.1:${h.port}`);
    await publish(state('hv-bad', 4), `127.0.0.1:${h.port}`);
    await until(() => acks.some((a) => a.chassisId === 'hv-bad'));
    assert.match(acks.find((a) => a.chassisId === 'hv-bad')!.error, /INVALID_ARGUMENT: bad state/);
    for (let i = 0; i < 2000 && (await deliveries('fenced')) < 1; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(await deliveries('fenced'), 1);
    assert.ok(!acks.some((a) => a.chassisId === 'hv-fenced'), 'fenced work is not acknowledged');
    await h.server.shutdown();
  });

  it('applies a delta and acknowledges it with its changes and the content hash', async () => {
    const h = await fakeHvflowd(() => Promise.resolve({ contentHash: 'content-5' }));
    await publish(delta('hv-d', 5, [41, 42]), `127.0.0.1:${h.port}`);
    await until(() => acks.some((a) => a.chassisId === 'hv-d'));
    const ack = acks.find((a) => a.chassisId === 'hv-d')!;
    assert.deepEqual(
      [ack.generation, ack.changes, ack.contentHash, ack.needsFullState, ack.error],
      [5, [41, 42], 'content-5', false, ''],
    );
    assert.equal(h.applied.length, 1);
    assert.ok('baseGeneration' in h.applied[0]!, 'hvflowd was sent the delta');
    await h.server.shutdown();
  });

  it('answers a copy of work it applied with the same ack, without calling hvflowd', async () => {
    const h = await fakeHvflowd((req) =>
      Promise.resolve({ contentHash: `content-${(req.state ?? req.delta)!.generation}` }),
    );
    const address = `127.0.0.1:${h.port}`;
    const acksOf = (generation: number) =>
      acks.filter((a) => a.chassisId === 'hv-dup' && a.generation === generation);
    const duplicatesBefore = await deliveries('duplicate');
    await publish(state('hv-dup', 9), address);
    await until(() => acksOf(9).length === 1);
    // northd sends it again: its ack was late or lost.
    await publish(state('hv-dup', 9), address);
    await until(() => acksOf(9).length === 2);
    assert.deepEqual(acksOf(9)[1], acksOf(9)[0], 'the same ack');
    assert.equal(acksOf(9)[0]!.contentHash, 'content-9');
    assert.equal(h.applied.length, 1, 'hvflowd applied it once');
    assert.equal((await deliveries('duplicate')) - duplicatesBefore, 1);
    // The next revision goes to hvflowd as always.
    await publish(delta('hv-dup', 10), address);
    await until(() => acksOf(10).length === 1);
    assert.equal(h.applied.length, 2);
    await h.server.shutdown();
  });

  it('passes on that hvflowd needs a full state', async () => {
    const h = await fakeHvflowd(() =>
      Promise.resolve({ needsFullState: true, appliedGeneration: 2, contentHash: 'held' }),
    );
    const before = await deliveries('needs_full');
    await publish(delta('hv-gap', 9, [7]), `127.0.0.1:${h.port}`);
    await until(() => acks.some((a) => a.chassisId === 'hv-gap'));
    const ack = acks.find((a) => a.chassisId === 'hv-gap')!;
    assert.deepEqual([ack.needsFullState, ack.changes, ack.contentHash], [true, [7], 'held']);
    assert.equal(await deliveries('needs_full'), before + 1);
    await h.server.shutdown();
  });

  it('applies every queued delta in order, and lets a full state supersede older ones', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const first = new Promise<void>((r) => (entered = r));
    const h = await fakeHvflowd(async (req) => {
      if (req.state?.generation === 1) {
        entered();
        await released;
      }
    });
    const address = `127.0.0.1:${h.port}`;
    const queued = async () =>
      Number(/southd_workers_queue_depth (\d+)/.exec(await primary.metrics())?.[1] ?? 0);
    const run = async (chassisId: string, later: Array<ChassisState | ChassisDelta>) => {
      await publish(state(chassisId, 1), address);
      await first;
      for (const work of later) await publish(work, address);
      for (let i = 0; i < 2000 && (await queued()) < later.length; i++)
        await new Promise((r) => setTimeout(r, 10));
      assert.equal(await queued(), later.length);
    };
    await run('hv-chain', [delta('hv-chain', 2), delta('hv-chain', 3), delta('hv-chain', 4)]);
    release();
    await until(() => acks.some((a) => a.chassisId === 'hv-chain' && a.generation === 4));
    const applied = (id: string) =>
      h.applied
        .filter((w) => w.chassisId === id)
        .map((w) => `${'baseGeneration' in w ? 'delta' : 'state'} ${w.generation}`);
    assert.deepEqual(applied('hv-chain'), ['state 1', 'delta 2', 'delta 3', 'delta 4']);
    await h.server.shutdown();
  });

  it('drops deltas a newer full state overtook', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const first = new Promise<void>((r) => (entered = r));
    const h = await fakeHvflowd(async (req) => {
      if (req.state?.generation === 1) {
        entered();
        await released;
      }
    });
    const address = `127.0.0.1:${h.port}`;
    await publish(state('hv-over', 1), address);
    await first;
    for (const work of [delta('hv-over', 2), delta('hv-over', 3), state('hv-over', 4)]) {
      await publish(work, address);
    }
    const queued = async () =>
      Number(/southd_workers_queue_depth (\d+)/.exec(await primary.metrics())?.[1] ?? 0);
    // All three wait behind 1 in southd: the deltas were current when they arrived.
    for (let i = 0; i < 2000 && (await queued()) < 3; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(await queued(), 3);
    release();
    await until(() => acks.some((a) => a.chassisId === 'hv-over' && a.generation === 4));
    const applied = h.applied.filter((w) => w.chassisId === 'hv-over').map((w) => w.generation);
    assert.deepEqual(applied, [1, 4], 'the deltas were overtaken by the full state 4');
    await h.server.shutdown();
  });

  it('leaves a hypervisor that does not answer alone, and the others converge', async () => {
    // This test's southd alone from here: two workers, so two hung calls would hold them all.
    for (const s of southds.splice(0)) await s.stop();
    primary = (
      await startOne({
        SOUTHD_WORKERS: '2',
        APPLY_TIMEOUT_MS: '300',
        RETRY_INITIAL_DELAY_MS: '3000',
        RETRY_MAX_DELAY_MS: '3000',
      })
    ).registry;
    // An hvflowd that takes connections and never answers: each call waits out its deadline.
    // southd keeps a connection per chassis, so connections count the chassis it called.
    const sockets: Socket[] = [];
    const silent = createNetServer((socket) => {
      socket.on('error', () => undefined);
      sockets.push(socket);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentAddr = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const h = await fakeHvflowd(() => Promise.resolve());
    const down = Array.from({ length: 6 }, (_, i) => `hv-silent-${i}`);
    for (const id of down) await publish(state(id, 1), silentAddr);
    await publish(state('hv-answers', 1), `127.0.0.1:${h.port}`);
    const handedBack = () =>
      acks.filter((a) => down.includes(a.chassisId) && /UNAVAILABLE|DEADLINE/.test(a.error));
    // One delivery waits out its backoff in southd; the others go back to northd at once, and
    // the address is not called again until its backoff has passed.
    await until(() => handedBack().length === 5 && acks.some((a) => a.chassisId === 'hv-answers'));
    assert.ok(sockets.length <= 2, `the silent hvflowd was called for ${sockets.length} chassis`);
    assert.equal(await deliveries('deferred'), 5);
    assert.ok(!acks.some((a) => down.includes(a.chassisId) && a.error === ''));
    for (const socket of sockets) socket.destroy();
    await new Promise((r) => silent.close(r));
    await h.server.shutdown();
  });

  it('shares the work between two replicas', async () => {
    const second = await startOne();
    const h = await fakeHvflowd(() => new Promise((r) => setTimeout(r, 5)));
    for (let i = 0; i < 60; i++) await publish(state(`hv-many-${i}`, 1), `127.0.0.1:${h.port}`);
    await until(() => acks.filter((a) => a.chassisId.startsWith('hv-many-')).length === 60);
    const text = await second.registry.metrics();
    const applied = Number(
      /southd_deliveries_total\{result="applied"\} (\d+)/.exec(text)?.[1] ?? 0,
    );
    assert.ok(applied > 0 && applied < 60, `the second replica applied ${applied} of 60`);
    await h.server.shutdown();
  });
});
