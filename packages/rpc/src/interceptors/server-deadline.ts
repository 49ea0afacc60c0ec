import type { ServerInterceptor } from '@grpc/grpc-js';
import { callState, passThrough } from '../call-state.js';
import { withDeadline } from '../deadline.js';

/**
 * Puts the caller's deadline in the call's context, where the client deadline interceptor finds
 * it: a handler's outgoing calls never outlive the call that made them.
 */
export const serverDeadlineInterceptor: ServerInterceptor = (_method, call) => {
  const state = callState(call);
  const deadline = call.getDeadline();
  if (deadline !== Infinity) state.context = withDeadline(state.context, deadline);
  return passThrough(call);
};
