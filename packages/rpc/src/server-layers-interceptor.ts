import type { ServerHttp2Stream } from 'node:http2';
import {
  status as Status,
  type Metadata,
  type ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  type StatusObject,
} from '@grpc/grpc-js';
import { context } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { ServerCallState, type CallEnd } from './call-state.js';
import { callStream, responseEnded, sentStatus } from './private-state.js';
import { unknownMethod, type MethodInfo } from './method.js';
import { RpcError } from './rpc-error.js';
import type { LayerCall, LayerSteps, ServerLayer } from './server-layer.js';

type Listener = Parameters<ServerInterceptingCallInterface['start']>[0];
type PartialStatus = Pick<StatusObject, 'code' | 'details'>;

// Handed to context.with with the listener as an argument: a bound method would cost a
// function object on every call.
function deliverMetadata(listener: Listener, metadata: Metadata): void {
  listener.onReceiveMetadata(metadata);
}
function deliverMessage(listener: Listener, message: unknown): void {
  listener.onReceiveMessage(message);
}
function deliverHalfClose(listener: Listener): void {
  listener.onReceiveHalfClose();
}

/**
 * One call seen through every layer: to grpc-js's base call it is the listener of the request's
 * events, to the handler it is the call. One object with its methods on the prototype, where
 * grpc-js's ServerInterceptingCall would make a responder, a listener and a closure per step on
 * every call.
 */
class LayeredServerCall implements ServerInterceptingCallInterface, LayerCall {
  readonly state = new ServerCallState();
  readonly startMs = performance.now();
  private readonly steps: LayerSteps[] = [];
  private readonly stream: ServerHttp2Stream;
  private listener: Listener | undefined = undefined;
  private cancelled = false;

  constructor(
    readonly grpc: ServerInterceptingCallInterface,
    readonly path: string,
    readonly info: MethodInfo,
    /** grpc-js calls a client- or bidi-streaming handler on metadata, the others on half-close. */
    private readonly streaming: boolean,
    layers: readonly ServerLayer[],
    private readonly logger: Logger,
  ) {
    this.stream = callStream(grpc);
    for (const layer of layers) {
      const steps = layer(this);
      if (steps) this.steps.push(steps);
    }
  }

  // The request's events, from the base call, passed on to the handler.

  start(listener: Listener): void {
    this.listener = listener;
    this.grpc.start(this);
  }

  onReceiveMetadata(metadata: Metadata): void {
    this.runMetadataSteps(0, metadata);
  }

  onReceiveMessage(message: unknown): void {
    try {
      for (const step of this.steps) step.onReceiveMessage?.(message, this);
    } catch (err) {
      this.fail(err);
      return;
    }
    this.deliver(deliverMessage, message);
  }

  onReceiveHalfClose(): void {
    const listener = this.listener!;
    context.with(this.state.context, deliverHalfClose, undefined, listener);
  }

  /**
   * grpc-js reports every call as cancelled once its stream closes. A call that ends here
   * without a status from the handler either had one sent by grpc-js itself (deadline exceeded,
   * a message over the size limit, bad compression), read back from the stream, or was cancelled
   * by the client: CANCELLED, or DEADLINE_EXCEEDED when its deadline has passed.
   */
  onCancel(): void {
    this.cancelled = true;
    if (!this.state.ended) {
      const sent = sentStatus(this.stream);
      if (sent) {
        this.finish(sent.code, sent.details);
      } else {
        const deadline = this.grpc.getDeadline();
        const expired = deadline !== Infinity && Date.now() >= new Date(deadline).getTime();
        this.finish(
          expired ? Status.DEADLINE_EXCEEDED : Status.CANCELLED,
          expired ? 'deadline exceeded' : 'cancelled by the client',
        );
      }
    }
    this.listener?.onCancel();
  }

  // The response, from the handler, passed on to the base call.

  sendMetadata(metadata: Metadata): void {
    this.grpc.sendMetadata(metadata);
  }

  sendMessage(message: unknown, callback: () => void): void {
    for (const step of this.steps) step.onSendMessage?.(message, this);
    this.grpc.sendMessage(message, callback);
  }

  /** The status goes out first; the end is observed after, off the response path. */
  sendStatus(status: PartialStatus): void {
    // A status grpc-js sent itself went first and is the one the client sees (see onCancel).
    const endedBefore = responseEnded(this.stream);
    this.grpc.sendStatus(status);
    if (!endedBefore && !this.cancelled) this.finish(status.code, status.details);
  }

  startRead(): void {
    this.grpc.startRead();
  }

  getPeer(): string {
    return this.grpc.getPeer();
  }

  getDeadline(): ReturnType<ServerInterceptingCallInterface['getDeadline']> {
    return this.grpc.getDeadline();
  }

  getHost(): string {
    return this.grpc.getHost();
  }

  getAuthContext(): ReturnType<ServerInterceptingCallInterface['getAuthContext']> {
    return this.grpc.getAuthContext();
  }

  getConnectionInfo(): ReturnType<ServerInterceptingCallInterface['getConnectionInfo']> {
    return this.grpc.getConnectionInfo();
  }

  getMetricsRecorder(): ReturnType<ServerInterceptingCallInterface['getMetricsRecorder']> {
    return this.grpc.getMetricsRecorder();
  }

  private runMetadataSteps(from: number, metadata: Metadata): void {
    // A call that ended while a step was pending (cancelled, say) goes no further.
    if (this.cancelled || this.state.ended) return;
    const steps = this.steps;
    for (let i = from; i < steps.length; i++) {
      const step = steps[i]!;
      if (!step.onReceiveMetadata) continue;
      let pending: void | Promise<void>;
      try {
        pending = step.onReceiveMetadata(metadata, this);
      } catch (err) {
        this.fail(err);
        return;
      }
      if (pending) {
        pending.then(
          () => this.runMetadataSteps(i + 1, metadata),
          (err: unknown) => this.fail(err),
        );
        return;
      }
    }
    this.deliver(deliverMetadata, metadata);
  }

  /**
   * Hands a request event to the handler's listener; in the call's context when the event may
   * call the handler (metadata and messages do for client- and bidi-streaming methods).
   */
  private deliver<T>(event: (listener: Listener, value: T) => void, value: T): void {
    if (this.streaming) context.with(this.state.context, event, undefined, this.listener!, value);
    else event(this.listener!, value);
  }

  private fail(err: unknown): void {
    this.sendStatus(RpcError.from(err).toStatus());
  }

  private finish(code: Status, details: string): void {
    const end: CallEnd | undefined = this.state.end(code, details);
    if (!end) return;
    for (const step of this.steps) {
      if (!step.onEnd) continue;
      // Runs inside grpc-js's callbacks, where a throw would take the process down: a failing
      // layer is logged, and the others still see the end.
      try {
        step.onEnd(end, this);
      } catch (err) {
        this.logger.error(
          { err, path: this.path.slice(0, 200) },
          'server layer failed at the end of a call',
        );
      }
    }
  }
}

/**
 * The one grpc-js interceptor of an RpcServer: runs `layers` in order on every call, observes how
 * the call ends, and runs the handler in the call's context (span, deadline, principal), so they
 * are active for the handler and everything it awaits. It must be the only grpc-js interceptor:
 * grpc-js's base call sends some statuses itself (deadline exceeded, message over the size limit,
 * bad compression) that no interceptor sees, so this one reads them back from the base call's
 * HTTP/2 stream when the call closes.
 */
export function serverLayersInterceptor(
  layers: readonly ServerLayer[],
  methods: ReadonlyMap<string, MethodInfo>,
  logger: Logger,
): ServerInterceptor {
  // grpc-js types an interceptor's result as its ServerInterceptingCall class, but the server
  // uses only the interface, which LayeredServerCall implements.
  return (method, call) =>
    new LayeredServerCall(
      call,
      method.path,
      methods.get(method.path) ?? unknownMethod,
      method.requestStream,
      layers,
      logger,
    ) as unknown as ServerInterceptingCall;
}
