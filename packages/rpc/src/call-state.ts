import type { status as Status } from '@grpc/grpc-js';
import type { Context } from '@opentelemetry/api';
import { CallContext } from './call-context.js';

/** How a server call ended: the status the client was sent, or the cancellation it saw. */
export interface CallEnd {
  readonly code: Status;
  readonly details: string;
}

/**
 * What the server layers of one call share: its outcome, observed once by the interceptor that
 * runs every layer (see server-layers-interceptor.ts), which hands it to the layers' `onEnd`
 * steps; the trace id; and the context its handler runs in. Not safe to reuse across calls.
 */
export class ServerCallState {
  traceId = '';
  /**
   * The context the handler runs in: layers add to it (span, deadline, principal) before the
   * handler is called; serverLayersInterceptor makes it active for the handler.
   */
  context: Context = CallContext.root;
  private outcome: CallEnd | undefined = undefined;

  get ended(): boolean {
    return this.outcome !== undefined;
  }

  /**
   * Records the outcome and returns it, or returns undefined when the call had ended already:
   * the first outcome wins, as only the first status reaches the client.
   */
  end(code: Status, details: string): CallEnd | undefined {
    if (this.outcome) return undefined;
    this.outcome = { code, details };
    return this.outcome;
  }
}
