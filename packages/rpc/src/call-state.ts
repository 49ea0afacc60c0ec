import {
  status as Status,
  type ServerInterceptingCall,
  type ServerInterceptingCallInterface,
} from '@grpc/grpc-js';
import { ROOT_CONTEXT, type Context } from '@opentelemetry/api';

/** How a server call ended: the status the client was sent, or the cancellation it saw. */
export interface CallEnd {
  readonly code: Status;
  readonly details: string;
}

/**
 * What the server interceptors of one call share: its outcome, observed once at the innermost
 * layer (see server-call-end.ts), the trace id, and the context its handler runs in.
 * Not safe to reuse across calls.
 */
export class ServerCallState {
  traceId = '';
  /**
   * The context the handler runs in: interceptors add to it (span, deadline, principal) before
   * the handler is called; serverContextInterceptor makes it active for the handler.
   */
  context: Context = ROOT_CONTEXT;
  private outcome: CallEnd | undefined;
  private readonly listeners: Array<(end: CallEnd) => void> = [];

  /** Calls `listener` once, when the call ends (at once if it has ended). */
  onEnd(listener: (end: CallEnd) => void): void {
    if (this.outcome) listener(this.outcome);
    else this.listeners.push(listener);
  }

  get ended(): boolean {
    return this.outcome !== undefined;
  }

  /** Records the outcome; the first one wins, as only the first status reaches the client. */
  end(code: Status, details: string): void {
    if (this.outcome) return;
    this.outcome = { code, details };
    for (const listener of this.listeners) listener(this.outcome);
    this.listeners.length = 0;
  }
}

// A property rather than a WeakMap: the lookup is on every interceptor of every call.
const stateKey = Symbol('vpcd.rpc.callState');
type WithState = ServerInterceptingCallInterface & { [stateKey]?: ServerCallState };

/** The state of the call an interceptor wraps. */
export function callState(call: ServerInterceptingCallInterface): ServerCallState {
  const state = (call as WithState)[stateKey];
  if (!state) throw new Error('serverCallEndInterceptor must be the first server interceptor');
  return state;
}

/**
 * For an interceptor that only reads or decorates the state: hands grpc-js the call it was given
 * instead of a pass-through wrapper, which would cost a layer of listener and responder calls on
 * every step of every call. grpc-js uses only the ServerInterceptingCallInterface methods of what
 * an interceptor returns (its type names the class).
 */
export function passThrough(call: ServerInterceptingCallInterface): ServerInterceptingCall {
  return call as ServerInterceptingCall;
}

/** Registers the call an interceptor returns, so the next interceptor finds the same state. */
export function adopt<T extends ServerInterceptingCallInterface>(
  wrapped: T,
  state: ServerCallState,
): T {
  (wrapped as WithState)[stateKey] = state;
  return wrapped;
}
