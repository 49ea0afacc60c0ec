import type { Metadata, ServerInterceptingCallInterface } from '@grpc/grpc-js';
import { context, createContextKey, type Context } from '@opentelemetry/api';
import type { LayerSteps, ServerLayer } from '../server-layer.js';

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

/** The principal the auth layer resolved for the call this code runs for. */
export function activePrincipal<P>(ctx: Context = context.active()): P | undefined {
  return ctx.getValue(principalKey) as P | undefined;
}

/**
 * Authenticates every call before its handler runs (the request waits meanwhile) and makes the
 * principal part of the call's active context (see activePrincipal). Calls to `skip` paths
 * (health checks, reflection) pass without credentials.
 */
export function serverAuthLayer<P>(
  authenticate: Authenticate<P>,
  skip: (path: string) => boolean,
): ServerLayer {
  const steps: LayerSteps = {
    onReceiveMetadata: async (metadata, { path, state, grpc }) => {
      // Runs in the call's context, so the lookup's own queries join the call's trace.
      const principal = await context.with(state.context, () =>
        authenticate({
          path,
          metadata,
          authContext: grpc.getAuthContext(),
          peer: grpc.getPeer(),
        }),
      );
      state.context = state.context.setValue(principalKey, principal);
    },
  };
  return ({ path }) => (skip(path) ? undefined : steps);
}
