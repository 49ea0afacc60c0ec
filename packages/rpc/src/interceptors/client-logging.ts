import { InterceptingCall, status as Status, type Interceptor } from '@grpc/grpc-js';
import { trace, context } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { codeLogLevel, codeName } from '../codes.js';
import { parsePath } from '../method.js';

/**
 * Writes one line per finished outgoing call, at debug when it succeeded (the server logs it
 * too) and at the level of its code otherwise.
 */
export function clientLoggingInterceptor(logger: Logger, target: string): Interceptor {
  return (options, nextCall) => {
    const parsed = parsePath(options.method_definition.path);
    const traceId = trace.getSpanContext(context.active())?.traceId ?? '';
    const startMs = performance.now();
    return new InterceptingCall(nextCall(options), {
      start: (metadata, listener, next) =>
        next(metadata, {
          onReceiveStatus: (status, nextStatus) => {
            const level = status.code === Status.OK ? 'debug' : codeLogLevel(status.code);
            if (logger.isLevelEnabled(level)) {
              logger[level](
                {
                  'grpc.service': parsed?.service,
                  'grpc.method': parsed?.method,
                  'grpc.code': codeName(status.code),
                  'grpc.duration_ms': Math.round((performance.now() - startMs) * 1000) / 1000,
                  ...(status.code === Status.OK ? {} : { 'grpc.error': status.details }),
                  peer: target,
                  trace_id: traceId,
                },
                'finished outgoing call',
              );
            }
            nextStatus(status);
          },
        }),
    });
  };
}
