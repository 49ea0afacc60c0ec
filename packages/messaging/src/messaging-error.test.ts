import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  hasKind,
  isMessagingError,
  isRetryable,
  MessagingError,
  type MessagingErrorKind,
} from './messaging-error.js';

function amqpError(message: string, code: number): Error {
  return Object.assign(new Error(message), { code });
}

describe('MessagingError.from', () => {
  const cases: Array<{ desc: string; err: unknown; kind: MessagingErrorKind; replyCode?: number }> =
    [
      {
        desc: 'keeps a MessagingError as it is',
        err: new MessagingError('timeout', 'slow'),
        kind: 'timeout',
      },
      {
        desc: 'a 406 refusal is refused',
        err: amqpError('PRECONDITION_FAILED', 406),
        kind: 'refused',
        replyCode: 406,
      },
      {
        desc: 'a 404 is refused',
        err: amqpError('NOT_FOUND', 404),
        kind: 'refused',
        replyCode: 404,
      },
      {
        desc: 'a forced connection close is unavailable',
        err: amqpError('CONNECTION_FORCED', 320),
        kind: 'unavailable',
        replyCode: 320,
      },
      {
        desc: 'a socket error is unavailable',
        err: new Error('ECONNREFUSED'),
        kind: 'unavailable',
      },
      { desc: 'a thrown string is unavailable', err: 'boom', kind: 'unavailable' },
    ];
  for (const tc of cases) {
    it(tc.desc, () => {
      const error = MessagingError.from(tc.err);
      assert.equal(error.kind, tc.kind);
      assert.equal(error.replyCode, tc.replyCode);
      if (!isMessagingError(tc.err)) assert.equal(error.cause, tc.err);
    });
  }
});

describe('predicates', () => {
  it('recognises a MessagingError by its brand, not its class', () => {
    const copy = Object.assign(new Error('from another copy'), {
      [Symbol.for('vpcd.messaging.MessagingError')]: true,
      kind: 'nacked',
    });
    assert.equal(isMessagingError(copy), true);
    assert.equal(isMessagingError(new Error('plain')), false);
    assert.equal(isMessagingError(undefined), false);
  });

  it('retries nacked, unavailable and timeout, never closed or refused', () => {
    const retryable = (kind: MessagingErrorKind): boolean =>
      isRetryable(new MessagingError(kind, kind));
    assert.deepEqual(
      (['nacked', 'unavailable', 'timeout', 'closed', 'refused'] as const).map(retryable),
      [true, true, true, false, false],
    );
  });

  it('hasKind normalises first', () => {
    assert.equal(hasKind(amqpError('NOT_FOUND', 404), 'refused'), true);
    assert.equal(hasKind(new Error('reset'), 'unavailable'), true);
  });
});
