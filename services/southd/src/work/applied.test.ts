import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApplyChassisStateResponse } from '@vpcd/api';
import { LastApplied } from './applied.js';

const answer = (generation: number, needsFullState = false): ApplyChassisStateResponse => ({
  appliedGeneration: generation,
  stateHash: `hash-${generation}`,
  flowsAdded: 0,
  flowsRemoved: 0,
  rejectedPorts: [],
  needsFullState,
  contentHash: `content-${generation}`,
});

describe('LastApplied', () => {
  it('answers only the version last applied on that chassis', () => {
    const last = new LastApplied();
    last.record('hv1', { epoch: 2, generation: 5 }, answer(5));
    assert.deepEqual(last.answerFor('hv1', { epoch: 2, generation: 5 }), answer(5));
    assert.equal(last.answerFor('hv1', { epoch: 2, generation: 6 }), undefined, 'a later one');
    assert.equal(last.answerFor('hv1', { epoch: 3, generation: 5 }), undefined, 'another epoch');
    assert.equal(last.answerFor('hv2', { epoch: 2, generation: 5 }), undefined, 'another chassis');
    last.record('hv1', { epoch: 2, generation: 6 }, answer(6));
    assert.equal(last.answerFor('hv1', { epoch: 2, generation: 5 }), undefined, 'replaced');
  });

  it('keeps no answer that asked for a full state, nor one for a chassis forgotten', () => {
    const last = new LastApplied();
    last.record('hv1', { epoch: 1, generation: 3 }, answer(3));
    last.record('hv1', { epoch: 1, generation: 4 }, answer(4, true));
    assert.equal(last.answerFor('hv1', { epoch: 1, generation: 4 }), undefined);
    assert.equal(last.answerFor('hv1', { epoch: 1, generation: 3 }), undefined);
    last.record('hv2', { epoch: 1, generation: 3 }, answer(3));
    last.forget('hv2');
    assert.equal(last.answerFor('hv2', { epoch: 1, generation: 3 }), undefined);
  });
});
