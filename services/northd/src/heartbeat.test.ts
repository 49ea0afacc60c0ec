import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { messageTypes, queues, type Chassis } from '@vpcd/api';
import { createBroker, type Broker, type Delivery } from '@vpcd/messaging';
import { createLogger, createRegistry } from '@vpcd/observability';
import {
  ackOf,
  decodeWork,
  eventually,
  startHarness,
  workOf,
  type Harness,
} from './test-support.js';

describe('heartbeats and drift', () => {
  let h: Harness;
  let broker: Broker;
  /** The newest revision the chassis acknowledged: what its heartbeats report. */
  let lastRevision = 0;
  const registration = {
    chassisId: 'hv1',
    hostname: 'hv1',
    underlayIp: '192.0.2.1',
    hvflowdAddr: 'hv1:50053',
    requestId: '',
  };

  before(async () => {
    h = await startHarness();
    // Plays southd and the chassis: applies every converge work and acknowledges it.
    broker = createBroker({
      url: h.amqpUrl,
      logger: createLogger({ name: 'fake-southd', level: 'silent' }),
      registry: createRegistry({ service: 'fake-southd', collectDefault: false }),
      signingKeys: h.config.bus.signingKeys,
    });
    await broker.start({});
    await broker.consume(queues.convergeQueue, async (d: Delivery) => {
      const work = decodeWork(d);
      lastRevision = Math.max(lastRevision, workOf(work).generation);
      await broker.publish(queues.acksExchange, '', ackOf(work), {
        type: messageTypes.chassisStateAck,
      });
      return 'ack';
    });
    await h.admin.chassis.registerChassis(registration);
    // An interface on the chassis, so it has a state to be sent and to acknowledge.
    const project = await h.admin.projects.createProject({ name: 'p', requestId: '' });
    const vpc = await h.admin.vpcs.createVpc({
      name: 'v',
      cidr: '10.9.0.0/24',
      requestId: '',
      projectId: project.id,
    });
    await h.admin.interfaces.createInterface({
      vpcId: vpc.id,
      chassisId: 'hv1',
      name: 'i1',
      ip: '',
      mac: '',
      requestId: '',
    });
  });
  after(async () => {
    await broker.close();
    await h.stop();
  });

  const chassis = () => h.admin.chassis.getChassis({ id: 'hv1' });
  /** The chassis once it acknowledged its desired generation. */
  const converged = async (): Promise<Chassis> => {
    const c = await eventually(chassis, (x) => x.appliedGeneration === x.desiredGeneration);
    assert.equal(c.appliedGeneration, c.desiredGeneration, 'the chassis never converged');
    return c;
  };
  const heartbeat = (appliedGeneration: number, stateHash: string) =>
    h.admin.chassis.heartbeat({
      chassisId: 'hv1',
      appliedGeneration,
      stateHash,
      appliedEpoch: 0,
      contentHash: '',
    });

  it('schedules nothing while the chassis reports the hash it acknowledged', async () => {
    const c = await converged();
    assert.equal(c.stateHash, `acked-${lastRevision}`);
    const answer = await heartbeat(lastRevision, c.stateHash);
    assert.deepEqual(answer, { desiredGeneration: c.desiredGeneration, driftDetected: false });
  });

  it('schedules the chassis again when its bridge changed behind our back', async () => {
    const c = await converged();
    const revision = lastRevision;
    const answer = await heartbeat(revision, 'a-changed-bridge');
    assert.ok(answer.driftDetected && answer.desiredGeneration > c.desiredGeneration);
    const again = await converged();
    assert.ok(lastRevision > revision, 'a full state was sent again');
    assert.equal(again.stateHash, `acked-${lastRevision}`);
  });

  it('sends a restarted agent a full state and measures drift from what it acknowledges', async () => {
    const c = await converged();
    // The agent restarts (on a new port) and programs a bridge rebuilt from scratch: the hash of
    // the bridge before is forgotten, and its owner starts a new chain with a full state.
    await h.admin.chassis.registerChassis({ ...registration, hvflowdAddr: 'hv1:50054' });
    const registered = await chassis();
    assert.notEqual(registered.stateHash, c.stateHash);
    assert.ok(registered.desiredGeneration > c.desiredGeneration, 'a full state is due');
    const again = await converged();
    assert.ok(lastRevision > 0);
    assert.equal(again.stateHash, `acked-${lastRevision}`);
    // A change to the rebuilt bridge is drift.
    const answer = await heartbeat(lastRevision, 'a-changed-rebuilt-bridge');
    assert.ok(answer.driftDetected && answer.desiredGeneration > again.desiredGeneration);
    await converged();
  });

  it('neither compares nor records a hash of another revision than the acknowledged one', async () => {
    const c = await converged();
    const ahead = await heartbeat(lastRevision + 1, 'of-a-generation-not-acked');
    assert.deepEqual(ahead, { desiredGeneration: c.desiredGeneration, driftDetected: false });
    assert.equal((await chassis()).stateHash, c.stateHash);
  });
});
