import { status as Status } from '@grpc/grpc-js';
import { trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { ClientLayer } from '../client-layer.js';
import { codeLogLevel, codeName } from '../codes.js';

/**
 * Writes one line per finished outgoing call, at debug when it succeeded (the server logs it
 * too) and at the level of its code otherwise.
 */
export function clientLoggingLayer(logger: Logger, target: string): ClientLayer {
  return ({ parsed, context }) => {
    const startMs = performance.now();
    return {
      onReceiveStatus: (status) => {
        const level = status.code === Status.OK ? 'debug' : codeLogLevel(status.code);
        if (!logger.isLevelEnabled(level)) return;
        logger[level](
          {
            'grpc.service': parsed?.service,
            'grpc.method': parsed?.method,
            'grpc.code': codeName(status.code),
            'grpc.duration_ms': Math.round((performance.now() - startMs) * 1000) / 1000,
            ...(status.code === Status.OK ? {} : { 'grpc.error': status.details }),
            peer: target,
            trace_id: trace.getSpanContext(context)?.traceId ?? '',
          },
          'finished outgoing call',
        );
      },
    };
  };
}
