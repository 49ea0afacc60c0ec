import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, createRegistry } from '@vpcd/observability';
import type { BridgePort } from './ovsdb-ports.js';
import { PortMap } from './port-map.js';

/** A bridge whose ports a test moves, read through the PortMap's seam. */
function bridge(initial: readonly BridgePort[]) {
  let ports = initial;
  let reads = 0;
  return {
    set: (next: readonly BridgePort[]) => (ports = next),
    reads: () => reads,
    read: () => {
      reads++;
      return Promise.resolve(ports);
    },
  };
}

const map = (b: ReturnType<typeof bridge>, maxAgeMs: number) =>
  new PortMap({
    socketPath: 'unused',
    bridge: 'br-int',
    maxAgeMs,
    minReadIntervalMs: 60_000,
    readPorts: b.read,
    logger: createLogger({ name: 'test', level: 'silent' }),
    registry: createRegistry({ service: 'test', collectDefault: false }),
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PortMap', () => {
  it('does not take a renumbered port for the interface that used to be at its number', async () => {
    // ovs-vswitchd restarted: the port of tenant A's interface now has number 7, which was
    // tenant B's. A map read before must not answer B for a request marked 7.
    const b = bridge([
      { ofport: 7, name: 'tap-b', interfaceId: 'iface-b' },
      { ofport: 8, name: 'tap-a', interfaceId: 'iface-a' },
    ]);
    const ports = map(b, 50);
    await ports.refresh();
    assert.equal(await ports.interfaceOf(7), 'iface-b');
    b.set([
      { ofport: 7, name: 'tap-a', interfaceId: 'iface-a' },
      { ofport: 9, name: 'tap-b', interfaceId: 'iface-b' },
    ]);
    await sleep(100); // past maxAgeMs: the map must be read again before it answers
    assert.equal(await ports.interfaceOf(7), 'iface-a');
    assert.equal(await ports.interfaceOf(9), 'iface-b');
  });

  it('answers from the map it has while it is younger than maxAgeMs', async () => {
    const b = bridge([{ ofport: 3, name: 'tap', interfaceId: 'iface' }]);
    const ports = map(b, 60_000);
    await ports.refresh();
    for (let i = 0; i < 10; i++) assert.equal(await ports.interfaceOf(3), 'iface');
    assert.equal(b.reads(), 1);
  });
});
