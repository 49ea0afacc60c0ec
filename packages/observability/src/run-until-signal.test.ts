import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { createLogger } from './logger.js';
import { runUntilSignal } from './run-until-signal.js';

const logger = createLogger({ name: 'test', level: 'silent' });

function fakeProcess() {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  return {
    emitter,
    exits,
    proc: {
      once: (event: string, fn: () => void) => emitter.once(event, fn),
      exit: (code?: number) => void exits.push(code ?? 0),
    } as unknown as Pick<NodeJS.Process, 'once' | 'exit'>,
  };
}

describe('runUntilSignal', () => {
  it('stops everything in order on SIGTERM and exits 0', async () => {
    const { emitter, exits, proc } = fakeProcess();
    const order: string[] = [];
    const stoppable = (name: string) => ({
      name,
      stop: () => Promise.resolve(void order.push(name)),
    });
    const done = runUntilSignal([stoppable('grpc'), stoppable('db'), stoppable('http')], {
      logger,
      process: proc,
    });
    emitter.emit('SIGTERM');
    assert.equal(await done, 0);
    assert.deepEqual(order, ['grpc', 'db', 'http']);
    assert.deepEqual(exits, [0]);
  });

  it('exits 1 when a step hangs past the deadline, and at once on a second signal', async () => {
    const { emitter, exits, proc } = fakeProcess();
    const done = runUntilSignal([{ name: 'stuck', stop: () => new Promise(() => undefined) }], {
      logger,
      process: proc,
      shutdownTimeoutMs: 50,
    });
    emitter.emit('SIGINT');
    emitter.emit('SIGINT');
    assert.deepEqual(exits, [130]);
    assert.equal(await done, 1);
  });

  it('reports a failing step and goes on with the next', async () => {
    const { emitter, proc } = fakeProcess();
    let reached = false;
    const done = runUntilSignal(
      [
        { name: 'bad', stop: () => Promise.reject(new Error('boom')) },
        { name: 'next', stop: () => Promise.resolve(void (reached = true)) },
      ],
      { logger, process: proc },
    );
    emitter.emit('SIGTERM');
    assert.equal(await done, 1);
    assert.ok(reached);
  });
});
