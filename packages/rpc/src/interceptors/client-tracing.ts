import { InterceptingCall, status as Status, type Interceptor } from '@grpc/grpc-js';
import { context, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { parsePath } from '../method.js';
import { metadataSetter, propagator } from '../trace-context.js';

/**
 * Starts a client span as the child of the active span (the handler's, inside a server call) and
 * sends its W3C trace context in the metadata.
 */
export function clientTracingInterceptor(tracer: Tracer): Interceptor {
  return (options, nextCall) => {
    const path = options.method_definition.path;
    const parsed = parsePath(path);
    const parent = context.active();
    const span = tracer.startSpan(
      parsed ? `${parsed.service}/${parsed.method}` : path,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'rpc.system': 'grpc',
          'rpc.service': parsed?.service ?? '',
          'rpc.method': parsed?.method ?? '',
        },
      },
      parent,
    );
    const spanContext = trace.setSpan(parent, span);
    return new InterceptingCall(nextCall(options), {
      start: (metadata, listener, next) => {
        propagator.inject(spanContext, metadata, metadataSetter);
        next(metadata, {
          onReceiveStatus: (status, nextStatus) => {
            span.setAttribute('rpc.grpc.status_code', status.code);
            if (status.code !== Status.OK) {
              span.setStatus({ code: SpanStatusCode.ERROR, message: status.details });
            }
            span.end();
            nextStatus(status);
          },
        });
      },
    });
  };
}
