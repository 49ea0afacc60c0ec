import { setFlagsFromString } from 'node:v8';

/**
 * Turns off V8's allocation-site pretenuring for the whole process. Cheap to call again.
 *
 * V8 pretenures an object literal, allocating it straight in the old generation, once most
 * objects from its site have outlived a young collection, and does not go back. A server's
 * per-call literals can get there early, while the young generation is small next to the
 * calls in flight (two of bare grpc-js's sites did, at a survival of 1.0, with the session's
 * stream Map replaced), and then they are born old and die old, and until the next full
 * collection every young object they point to outlives each scavenge and is promoted: the
 * calls' objects never die young again. Under the rpc benchmark's load, with this and a
 * StreamTable a call promotes 0.15 KiB instead of 3.3 to 3.7 KiB (either alone: 3.9 to
 * 4.2 KiB), and the main thread spends 1 to 2 µs a call in GC instead of 14 to 24. The cost:
 * long-lived data a process builds is copied once more on its way to the old generation.
 */
export function stopPretenuring(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}
