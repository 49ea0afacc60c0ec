import {
  Metadata,
  ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import { context, createContextKey, type Context } from '@opentelemetry/api';
import { adopt, callState, passThrough } from '../call-state.js';
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
    if (skip(method.path)) return passThrough(call);
    const wrapped: ServerInterceptingCall = new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            // Runs in the call's context, so the lookup's own queries join the call's trace.
            context
              .with(state.context, () =>
                authenticate({
                  path: method.path,
                  metadata,
                  authContext: call.getAuthContext(),
                  peer: call.getPeer(),
                }),
              )
              .then(
                (principal) => {
                  state.context = state.context.setValue(principalKey, principal);
                  nextMetadata(metadata);
                },
                (err: unknown) => wrapped.sendStatus(RpcError.from(err).toStatus()),
              );
          },
        }),
    });
    return adopt(wrapped, state);
  };
}
