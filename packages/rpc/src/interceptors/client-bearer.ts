import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';

/** Sends `authorization: Bearer <token>` with every call. */
export function clientBearerInterceptor(token: string): Interceptor {
  const header = `Bearer ${token}`;
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start: (metadata, listener, next) => {
        metadata.set('authorization', header);
        next(metadata, listener);
      },
    });
}
