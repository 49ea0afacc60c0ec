import type { Metadata, ServerInterceptingCallInterface } from '@grpc/grpc-js';
import type { CallEnd, ServerCallState } from './call-state.js';
import type { MethodInfo } from './method.js';

/** What a layer sees of the call it joins. */
export interface LayerCall {
  /** The method as metrics and logs label it (`unknownMethod` for a path nobody serves). */
  readonly info: MethodInfo;
  /** The path the client asked for, as sent. */
  readonly path: string;
  readonly state: ServerCallState;
  /** grpc-js's call: peer, deadline, auth context. */
  readonly grpc: ServerInterceptingCallInterface;
  /** When the call started, by `performance.now()`. */
  readonly startMs: number;
}

/**
 * The steps a layer takes in one call; each is optional, and each is given the call, so a layer
 * can return the same steps for every call. A step that throws (or, for metadata, rejects) ends
 * the call with `RpcError.from(err)`'s status, which the layers observing the end (metrics, span,
 * log) record like any other.
 */
export interface LayerSteps {
  /**
   * Sees the request metadata before the handler. A returned promise holds the call (its
   * messages wait) until it settles; the later layers' steps run after it.
   */
  onReceiveMetadata?(metadata: Metadata, call: LayerCall): void | Promise<void>;
  /** Sees each request message before the handler. */
  onReceiveMessage?(message: unknown, call: LayerCall): void;
  /** Sees each response message before it is sent. */
  onSendMessage?(message: unknown, call: LayerCall): void;
  /**
   * Sees how the call ended, once, after the status went out (or the client cancelled), in the
   * order of the layers. A step that throws here is logged; the call's outcome stands and the
   * later layers still run.
   */
  onEnd?(end: CallEnd, call: LayerCall): void;
}

/**
 * One concern of the server's call stack (metrics, tracing, logging, auth, ...), one a file.
 * Called once per call, in order, when the call starts: it may record what it needs in the
 * call's state and return the steps it takes, or nothing. All layers of a server run inside one
 * grpc-js interceptor (see server-layers-interceptor.ts): a grpc-js interceptor per concern costs
 * a call object, a listener and a closure per step on every call. Steps are called with the
 * call, so most layers return one shared object rather than closures made for each call.
 */
export type ServerLayer = (call: LayerCall) => LayerSteps | undefined;
