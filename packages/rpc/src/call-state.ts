import type { status as Status } from '@grpc/grpc-js';
import { ROOT_CONTEXT, type Context } from '@opentelemetry/api';

/** How a server call ended: the status the client was sent, or the cancellation it saw. */
export interface CallEnd {
  readonly code: Status;
  readonly details: string;
}

/**
 * What the server layers of one call share: its outcome, observed once by the interceptor that
 * runs every layer (see server-layers-interceptor.ts), the trace id, and the context its handler
 * runs in. Not safe to reuse across calls.
 */
export class ServerCallState {
  traceId = '';
  /**
   * The context the handler runs in: layers add to it (span, deadline, principal) before the
   * handler is called; serverLayersInterceptor makes it active for the handler.
   */
  context: Context = ROOT_CONTEXT;
  private outcome: CallEnd | undefined = undefined;
  private listeners: Array<(end: CallEnd) => void> | undefined = undefined;

  /** Calls `listener` once, when the call ends (at once if it has ended). */
  onEnd(listener: (end: CallEnd) => void): void {
    if (this.outcome) listener(this.outcome);
    else (this.listeners ??= []).push(listener);
  }

  get ended(): boolean {
    return this.outcome !== undefined;
  }

  /**
   * Records the outcome and returns it, or returns undefined when the call had ended already:
   * the first outcome wins, as only the first status reaches the client.
   */
  end(code: Status, details: string): CallEnd | undefined {
    if (this.outcome) return undefined;
    const outcome: CallEnd = { code, details };
    this.outcome = outcome;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const listener of listeners) listener(outcome);
    return outcome;
  }
}
