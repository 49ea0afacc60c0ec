import { ROOT_CONTEXT, type Context } from '@opentelemetry/api';

/** Past this many values set on one chain, the next one copies them into an OpenTelemetry Map. */
const MAX_DEPTH = 16;

/**
 * A server call's context as a chain of the values set on it. OpenTelemetry's ROOT_CONTEXT copies
 * its whole Map and makes three closures on every setValue, and a call sets two or three values
 * (its deadline, its span, its principal) before its handler runs: each link here is one small
 * object. A chain that grows past MAX_DEPTH (a loop that keeps setting values) goes on as
 * OpenTelemetry's own context, so lookups and memory stay bounded.
 */
export class CallContext implements Context {
  /** The empty context a call starts from. */
  static readonly root: Context = new CallContext(undefined, undefined, undefined, 0);

  private constructor(
    private readonly parent: CallContext | undefined,
    private readonly key: symbol | undefined,
    private readonly value: unknown,
    private readonly depth: number,
  ) {}

  getValue(key: symbol): unknown {
    return this.key === key ? this.value : this.parent?.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    if (this.depth >= MAX_DEPTH) return this.flattened().setValue(key, value);
    return new CallContext(this, key, value, this.depth + 1);
  }

  /** A deleted key reads as undefined, as it does in OpenTelemetry's context. */
  deleteValue(key: symbol): Context {
    return this.setValue(key, undefined);
  }

  /** The same values in OpenTelemetry's context, the newest of each key winning. */
  private flattened(): Context {
    const base = this.parent ? this.parent.flattened() : ROOT_CONTEXT;
    return this.key === undefined ? base : base.setValue(this.key, this.value);
  }
}
