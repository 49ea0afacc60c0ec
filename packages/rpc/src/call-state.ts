import { status as Status, type ServerInterceptingCallInterface } from '@grpc/grpc-js';

/** How a server call ended: the status the client was sent, or the cancellation it saw. */
export interface CallEnd {
  readonly code: Status;
  readonly details: string;
}

/**
 * What the server interceptors of one call share: its outcome, observed once at the innermost
 * layer (see server-call-end.ts), and the trace id the tracing interceptor assigned.
 * Not safe to reuse across calls.
 */
export class ServerCallState {
  traceId = '';
  private ended: CallEnd | undefined;
  private readonly listeners: Array<(end: CallEnd) => void> = [];

  /** Calls `listener` once, when the call ends (at once if it has ended). */
  onEnd(listener: (end: CallEnd) => void): void {
    if (this.ended) listener(this.ended);
    else this.listeners.push(listener);
  }

  /** Records the outcome; the first one wins, as only the first status reaches the client. */
  end(code: Status, details: string): void {
    if (this.ended) return;
    this.ended = { code, details };
    for (const listener of this.listeners) listener(this.ended);
    this.listeners.length = 0;
  }
}

const states = new WeakMap<ServerInterceptingCallInterface, ServerCallState>();

/** The state of the call an interceptor wraps. */
export function callState(call: ServerInterceptingCallInterface): ServerCallState {
  const state = states.get(call);
  if (!state) throw new Error('serverCallEndInterceptor must be the first server interceptor');
  return state;
}

/** Registers the call an interceptor returns, so the next interceptor finds the same state. */
export function adopt<T extends ServerInterceptingCallInterface>(
  wrapped: T,
  state: ServerCallState,
): T {
  states.set(wrapped, state);
  return wrapped;
}
