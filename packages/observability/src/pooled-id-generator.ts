import { randomFillSync } from 'node:crypto';
import type { IdGenerator } from '@opentelemetry/sdk-trace-base';

/** Random bytes drawn at a time: about forty server spans' ids. */
const POOL_BYTES = 1024;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/**
 * Trace and span ids cut from a pool of random hex: the operating system's random bytes,
 * hex-encoded a kilobyte at a time. The SDK's RandomIdGenerator draws Math.random and
 * hex-encodes a buffer for every id, which a server pays twice on every call, sampled or not (a
 * root span gets both ids). An id is a slice of the pool's string and keeps that 2 KiB string
 * alive while it lives; the spans a batch processor holds keep a few dozen. All-zero ids are
 * invalid in W3C trace context and are drawn again.
 */
export class PooledIdGenerator implements IdGenerator {
  private pool = '';
  private offset = 0;

  constructor(private readonly fill: (bytes: Buffer) => void = (bytes) => randomFillSync(bytes)) {}

  generateTraceId(): string {
    return this.next(32, ZERO_TRACE_ID);
  }

  generateSpanId(): string {
    return this.next(16, ZERO_SPAN_ID);
  }

  private next(chars: number, zero: string): string {
    for (;;) {
      if (this.offset + chars > this.pool.length) {
        const bytes = Buffer.allocUnsafe(POOL_BYTES);
        this.fill(bytes);
        this.pool = bytes.toString('hex');
        this.offset = 0;
      }
      const id = this.pool.slice(this.offset, (this.offset += chars));
      if (id !== zero) return id;
    }
  }
}
