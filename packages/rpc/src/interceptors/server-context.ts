import { ServerInterceptingCall, type ServerInterceptor } from '@grpc/grpc-js';
import { context } from '@opentelemetry/api';
import { adopt, callState } from '../call-state.js';

/**
 * Runs the handler in the call's context (span, deadline, principal), so they are active for
 * the handler and everything it awaits. Must be the last (outermost) interceptor. grpc-js calls
 * a unary or server-streaming handler on half-close, and a client- or bidi-streaming one on
 * metadata; only those steps switch context (a switch costs on every call).
 */
export const serverContextInterceptor: ServerInterceptor = (method, call) => {
  const state = callState(call);
  const wrapped = new ServerInterceptingCall(call, {
    start: (next) =>
      next(
        method.requestStream
          ? {
              onReceiveMetadata: (metadata, nextMetadata) =>
                context.with(state.context, nextMetadata, undefined, metadata),
              onReceiveMessage: (message, nextMessage) =>
                context.with(state.context, nextMessage, undefined, message),
              onReceiveHalfClose: (nextHalfClose) => context.with(state.context, nextHalfClose),
            }
          : {
              onReceiveHalfClose: (nextHalfClose) => context.with(state.context, nextHalfClose),
            },
      ),
  });
  return adopt(wrapped, state);
};
