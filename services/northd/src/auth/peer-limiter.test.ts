import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PeerLimiter, peerKey } from './peer-limiter.js';

describe('PeerLimiter', () => {
  it('limits a peer after maxFailures in a window, until the window passes', () => {
    const limiter = new PeerLimiter({ maxFailures: 3, windowMs: 1000, maxPeers: 10 });
    assert.equal(limiter.recordFailure('a', 0), false);
    assert.equal(limiter.recordFailure('a', 10), false);
    assert.equal(limiter.isLimited('a', 20), false);
    assert.equal(limiter.recordFailure('a', 20), true);
    assert.equal(limiter.isLimited('a', 999), true);
    assert.equal(limiter.isLimited('b', 999), false);
    assert.equal(limiter.retryAfterMs('a', 400), 600);
    assert.equal(limiter.isLimited('a', 1000), false);
  });

  it('tracks at most maxPeers, forgetting the oldest', () => {
    const limiter = new PeerLimiter({ maxFailures: 2, windowMs: 1000, maxPeers: 3 });
    limiter.recordFailure('first', 0);
    limiter.recordFailure('first', 0);
    for (let i = 0; i < 100; i++) limiter.recordFailure(`p${i}`, 1);
    assert.equal(limiter.tracked(1), 3);
    assert.equal(limiter.isLimited('first', 2), false);
  });

  it('forgets windows that passed', () => {
    const limiter = new PeerLimiter({ maxFailures: 2, windowMs: 1000, maxPeers: 10 });
    limiter.recordFailure('old', 0);
    limiter.recordFailure('new', 500);
    limiter.recordFailure('newer', 1200);
    assert.equal(limiter.tracked(2300), 0, 'every window passed by now');
  });

  it('never limits with maxFailures 0', () => {
    const limiter = new PeerLimiter({ maxFailures: 0, windowMs: 1000, maxPeers: 3 });
    for (let i = 0; i < 10; i++) limiter.recordFailure('a', 0);
    assert.equal(limiter.isLimited('a', 1), false);
    assert.equal(limiter.tracked(1), 0);
  });
});

describe('peerKey', () => {
  const cases: Array<[string, string]> = [
    ['127.0.0.1:5000', '127.0.0.1'],
    ['ipv4:10.1.2.3:443', '10.1.2.3'],
    ['[::1]:5000', '0:0:0:0::/64'],
    ['[2001:db8:1:2:aaaa::5]:5000', '2001:db8:1:2::/64'],
    ['[2001:db8:1:2:bbbb::6]:5001', '2001:db8:1:2::/64'],
    ['[::ffff:192.0.2.7]:5000', '192.0.2.7'],
    ['unix:/run/northd.sock', 'unix:/run/northd.sock'],
  ];
  for (const [peer, want] of cases) {
    it(`keys ${peer} as ${want}`, () => assert.equal(peerKey(peer), want));
  }
});
