import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RpcError, Status } from '@vpcd/rpc';
import { outcomeOf } from './outcome.js';

describe('outcomeOf', () => {
  const cases: Array<[number, string]> = [
    [Status.INVALID_ARGUMENT, 'failed'],
    [Status.ALREADY_EXISTS, 'failed'],
    [Status.NOT_FOUND, 'failed'],
    [Status.PERMISSION_DENIED, 'failed'],
    [Status.FAILED_PRECONDITION, 'failed'],
    [Status.DEADLINE_EXCEEDED, 'indeterminate'],
    [Status.UNAVAILABLE, 'indeterminate'],
    [Status.CANCELLED, 'indeterminate'],
    [Status.INTERNAL, 'indeterminate'],
    [Status.RESOURCE_EXHAUSTED, 'indeterminate'],
  ];
  for (const [code, outcome] of cases) {
    it(`calls ${Status[code]} ${outcome}`, () => {
      assert.deepEqual(outcomeOf(new RpcError(code, 'x')), { outcome, code: Status[code] });
    });
  }

  it('calls an error that is not a gRPC status indeterminate', () => {
    assert.equal(outcomeOf(new Error('socket hang up')).outcome, 'indeterminate');
  });
});
