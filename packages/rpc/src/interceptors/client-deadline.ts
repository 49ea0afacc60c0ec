import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { activeDeadlineMs } from '../deadline.js';

/**
 * Gives every call a deadline: the caller's, else `defaultDeadlineMs` from now, and never later
 * than the deadline of the server call it is made from.
 */
export function clientDeadlineInterceptor(defaultDeadlineMs: number): Interceptor {
  return (options, nextCall) => {
    const own =
      options.deadline === undefined || options.deadline === Infinity
        ? defaultDeadlineMs > 0
          ? Date.now() + defaultDeadlineMs
          : Infinity
        : new Date(options.deadline).getTime();
    const deadline = Math.min(own, activeDeadlineMs());
    return new InterceptingCall(
      nextCall(deadline === Infinity ? options : { ...options, deadline }),
    );
  };
}
