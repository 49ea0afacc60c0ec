import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MixPicker } from '../mix.js';
import { runOpenLoop } from './open-loop.js';

describe('runOpenLoop', () => {
  it('sends exactly rate × duration calls, each at its intended time', async () => {
    const intended: number[] = [];
    const startMs = performance.now();
    const { sent } = await runOpenLoop({
      ratePerSecond: 200,
      startMs,
      endAtMs: startMs + 250,
      maxInFlight: 100,
      picker: new MixPicker({ a: 1 }),
      execute: (_call, intendedMs) => {
        intended.push(intendedMs - startMs);
        return Promise.resolve();
      },
      signal: new AbortController().signal,
    });
    assert.equal(sent, 50);
    assert.deepEqual(
      intended.map((t) => Math.round(t * 1000) / 1000),
      Array.from({ length: 50 }, (_, i) => i * 5),
    );
  });

  it('measures from the intended time, so calls held back by a stall show it (no coordinated omission)', async () => {
    const latencies: number[] = [];
    const startMs = performance.now();
    await runOpenLoop({
      ratePerSecond: 100,
      startMs,
      endAtMs: startMs + 200,
      // One call at a time, each taking 20 ms: the 20 calls need 400 ms at least.
      maxInFlight: 1,
      picker: new MixPicker({ a: 1 }),
      execute: async (_call, intendedMs) => {
        await new Promise((r) => setTimeout(r, 20));
        latencies.push(performance.now() - intendedMs);
      },
      signal: new AbortController().signal,
    });
    assert.equal(latencies.length, 20);
    // The last was meant for 190 ms and could not end before 400 ms.
    assert.ok(latencies.at(-1)! >= 200, `last latency ${latencies.at(-1)} ms`);
  });

  it('stops sending when aborted and waits for the calls in flight', async () => {
    const stop = new AbortController();
    let ended = 0;
    const startMs = performance.now();
    const { sent } = await runOpenLoop({
      ratePerSecond: 1000,
      startMs,
      endAtMs: startMs + 60_000,
      maxInFlight: 10,
      picker: new MixPicker({ a: 1 }),
      execute: async () => {
        await new Promise((r) => setTimeout(r, 5));
        ended += 1;
        if (ended === 20) stop.abort();
      },
      signal: stop.signal,
    });
    assert.ok(sent >= 20 && sent < 60_000);
    assert.equal(ended, sent);
  });
});
