import { withDeadline } from '../deadline.js';
import type { ServerLayer } from '../server-layer.js';

/**
 * Puts the caller's deadline in the call's context, where the client deadline interceptor finds
 * it: a handler's outgoing calls never outlive the call that made them.
 */
export const serverDeadlineLayer: ServerLayer = ({ grpc, state }) => {
  const deadline = grpc.getDeadline();
  if (deadline !== Infinity) state.context = withDeadline(state.context, deadline);
  return undefined;
};
