import { ServerInterceptingCall, type ServerInterceptor } from '@grpc/grpc-js';
import { context } from '@opentelemetry/api';
import { adopt, callState } from '../call-state.js';
import { withDeadline } from '../deadline.js';

/**
 * Makes the caller's deadline part of the active context of the call, where the client deadline
 * interceptor finds it: a handler's outgoing calls never outlive the call that made them.
 */
export const serverDeadlineInterceptor: ServerInterceptor = (_method, call) => {
  const deadline = call.getDeadline();
  const state = callState(call);
  if (deadline === Infinity) return adopt(new ServerInterceptingCall(call), state);
  const run = <A extends unknown[]>(fn: (...args: A) => void, ...args: A) =>
    context.with(withDeadline(context.active(), deadline), fn, undefined, ...args);
  const wrapped = new ServerInterceptingCall(call, {
    start: (next) =>
      next({
        onReceiveMetadata: (metadata, nextMetadata) => run(nextMetadata, metadata),
        onReceiveMessage: (message, nextMessage) => run(nextMessage, message),
        onReceiveHalfClose: (nextHalfClose) => run(nextHalfClose),
      }),
  });
  return adopt(wrapped, state);
};
