import type { Metadata, StatusObject } from '@grpc/grpc-js';
import type { Context } from '@opentelemetry/api';

/** What a client layer sees of the outgoing call it joins. */
export interface ClientLayerCall {
  readonly path: string;
  /** `service` and `method` of the path; undefined when it is malformed. */
  readonly parsed: { readonly service: string; readonly method: string } | undefined;
  /** The context the call is made from: the handler's, inside a server call. */
  readonly context: Context;
}

/** The steps a client layer takes in one call; each is optional and must not throw. */
export interface ClientLayerSteps {
  /** Sees (and may add to) the metadata before it is sent. */
  onStart?(metadata: Metadata): void;
  onSendMessage?(): void;
  /** Sees each response message (never grpc-js's null for a unary call without one). */
  onReceiveMessage?(): void;
  onReceiveStatus?(status: StatusObject): void;
}

/**
 * One concern of the client's call stack (tracing, metrics, logging, credentials), one a file.
 * Called once per call when it is made; returns the steps it takes, or nothing. All layers of a
 * client run inside one grpc-js interceptor (client-layers-interceptor.ts), as on the server.
 */
export type ClientLayer = (call: ClientLayerCall) => ClientLayerSteps | undefined;
