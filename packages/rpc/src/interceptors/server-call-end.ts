import {
  ServerInterceptingCall,
  status as Status,
  type ServerInterceptor,
  type StatusObject,
} from '@grpc/grpc-js';
import { adopt, ServerCallState } from '../call-state.js';

type PartialStatus = Pick<StatusObject, 'code' | 'details'>;

/**
 * Observes how every server call ends. It must be the first (innermost) interceptor: grpc-js's
 * base call sends some statuses itself (deadline exceeded, message over the size limit, bad
 * compression), which never pass through the interceptors' responders, so this one wraps the
 * base call's sendStatus. The status goes out first; the end listeners (metrics, span, log) run
 * after, off the response path. A call the client cancels ends without a status: it is recorded
 * as CANCELLED, or DEADLINE_EXCEEDED when its deadline has passed.
 */
export const serverCallEndInterceptor: ServerInterceptor = (_method, call) => {
  const state = new ServerCallState();
  const sendStatus = call.sendStatus.bind(call);
  call.sendStatus = (status: PartialStatus) => {
    sendStatus(status);
    state.end(status.code, status.details);
  };
  const wrapped = new ServerInterceptingCall(call, {
    start: (next) =>
      next({
        onCancel: () => {
          if (state.ended) return; // grpc-js reports every finished call as cancelled too
          const deadline = call.getDeadline();
          const expired = deadline !== Infinity && Date.now() >= new Date(deadline).getTime();
          state.end(
            expired ? Status.DEADLINE_EXCEEDED : Status.CANCELLED,
            expired ? 'deadline exceeded' : 'cancelled by the client',
          );
        },
      }),
  });
  return adopt(wrapped, state);
};
