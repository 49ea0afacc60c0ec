import {
  Metadata,
  ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import { context, createContextKey, type Context } from '@opentelemetry/api';
import { adopt, callState } from '../call-state.js';
import { RpcError } from '../rpc-error.js';

/** The verified TLS peer of a call (grpc-js does not export its type). */
export type AuthContext = ReturnType<ServerInterceptingCallInterface['getAuthContext']>;

/** What an authenticator sees of a call. */
export interface CallCredentials {
  readonly path: string;
  readonly metadata: Metadata;
  /** The verified client certificate, when the connection is mutual TLS. */
  readonly authContext: AuthContext;
  readonly peer: string;
}

/** Resolves who is calling, or throws an RpcError (UNAUTHENTICATED, PERMISSION_DENIED). */
export type Authenticate<P> = (call: CallCredentials) => Promise<P>;

const principalKey = createContextKey('vpcd.rpc.principal');

/** The principal the auth interceptor resolved for the call this code runs for. */
export function activePrincipal<P>(ctx: Context = context.active()): P | undefined {
  return ctx.getValue(principalKey) as P | undefined;
}

/**
 * Authenticates every call before its handler runs (the request waits meanwhile) and makes the
 * principal part of the call's active context (see activePrincipal). Calls to `skip` paths
 * (health checks, reflection) pass without credentials.
 */
export function serverAuthInterceptor<P>(
  authenticate: Authenticate<P>,
  skip: (path: string) => boolean,
): ServerInterceptor {
  return (method, call) => {
    const state = callState(call);
    if (skip(method.path)) return adopt(new ServerInterceptingCall(call), state);
    let active: Context | undefined;
    const run = <A extends unknown[]>(fn: (...args: A) => void, ...args: A) =>
      active ? context.with(active, fn, undefined, ...args) : fn(...args);
    const wrapped: ServerInterceptingCall = new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            const parent = context.active();
            authenticate({
              path: method.path,
              metadata,
              authContext: call.getAuthContext(),
              peer: call.getPeer(),
            }).then(
              (principal) => {
                active = parent.setValue(principalKey, principal);
                run(nextMetadata, metadata);
              },
              (err: unknown) => wrapped.sendStatus(RpcError.from(err).toStatus()),
            );
          },
          onReceiveMessage: (message, nextMessage) => run(nextMessage, message),
          onReceiveHalfClose: (nextHalfClose) => run(nextHalfClose),
        }),
    });
    return adopt(wrapped, state);
  };
}
