import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, createRegistry } from '@vpcd/observability';
import { convergeMetrics } from './converge-metrics.js';
import { ChangeHints, decodeHint, type AckNote } from './hints.js';
import { settle } from './testing.js';

/** Hints on a broker whose publishes are confirmed only when the test says. */
function harness() {
  const bodies: Buffer[] = [];
  const confirms: (() => void)[] = [];
  const hints = new ChangeHints(
    {
      publish: (_exchange, _key, body) => {
        bodies.push(body);
        return new Promise<void>((resolve) => confirms.push(resolve));
      },
    },
    'n1',
    convergeMetrics(createRegistry({ service: 'test', collectDefault: false })),
    createLogger({ name: 'test', level: 'silent' }),
  );
  return { hints, bodies, confirms };
}

describe('ChangeHints', () => {
  it('names the chassis and acks, and gathers what is sent while one is in flight into one', async () => {
    const { hints, bodies, confirms } = harness();
    const note: AckNote = { chassisId: 'hv3', epoch: 2, generation: 5, outcome: 'needs_full' };
    hints.send(['hv1']);
    hints.send(['hv2', 'hv3'], [note]);
    hints.send(['hv2']);
    assert.equal(bodies.length, 1);
    confirms.shift()!();
    await settle();
    assert.equal(bodies.length, 2);
    assert.deepEqual(
      bodies.map((b) => decodeHint(b)),
      [
        { chassis: ['hv1'], acks: [] },
        { chassis: ['hv2', 'hv3'], acks: [note] },
      ],
    );
    confirms.shift()!();
    await settle();
    assert.equal(bodies.length, 2, 'nothing left to send');
  });

  it('sends an empty hint, which asks for a safety pass, for unknown or too many chassis', () => {
    const { hints, bodies, confirms } = harness();
    hints.send(undefined);
    assert.equal(decodeHint(bodies[0]!), undefined);
    confirms.shift()!();
    const many = Array.from({ length: 10_001 }, (_, i) => `hv${i}`);
    const second = harness();
    second.hints.send(many);
    assert.equal(second.bodies[0]!.length, 0);
  });

  it('refuses a body that is not a hint', () => {
    for (const body of [
      '{',
      '{"chassis":[1],"acks":[]}',
      '{"chassis":[],"acks":[{"chassisId":"a"}]}',
    ]) {
      assert.throws(() => decodeHint(Buffer.from(body)), body);
    }
  });
});
