import { ServerInterceptingCall, status as Status, type ServerInterceptor } from '@grpc/grpc-js';
import { adopt, callState } from '../call-state.js';
import { DecodeFailure } from '../decode-failure.js';

/**
 * Answers a request message that did not parse (see guardDeserialize) with INVALID_ARGUMENT,
 * before it reaches the handler.
 */
export const serverDecodeInterceptor: ServerInterceptor = (_method, call) => {
  const state = callState(call);
  const wrapped: ServerInterceptingCall = new ServerInterceptingCall(call, {
    start: (next) =>
      next({
        onReceiveMessage: (message, nextMessage) => {
          if (message instanceof DecodeFailure) {
            wrapped.sendStatus({
              code: Status.INVALID_ARGUMENT,
              details: `malformed request message: ${message.reason}`,
            });
            return;
          }
          nextMessage(message);
        },
      }),
  });
  return adopt(wrapped, state);
};
