import { status as Status } from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { ClientLayer } from '../client-layer.js';
import { metadataSetter, propagator } from '../trace-context.js';

/**
 * Starts a client span as the child of the context the call is made from (the handler's, inside
 * a server call) and sends its W3C trace context in the metadata.
 */
export function clientTracingLayer(tracer: Tracer): ClientLayer {
  return ({ path, parsed, context }) => {
    const span = tracer.startSpan(
      parsed ? `${parsed.service}/${parsed.method}` : path,
      { kind: SpanKind.CLIENT },
      context,
    );
    // As on the server: attributes only on a recording span (most calls are not sampled).
    if (span.isRecording()) {
      span.setAttributes({
        'rpc.system': 'grpc',
        'rpc.service': parsed?.service ?? '',
        'rpc.method': parsed?.method ?? '',
      });
    }
    return {
      onStart: (metadata) =>
        propagator.inject(trace.setSpan(context, span), metadata, metadataSetter),
      onReceiveStatus: (status) => {
        span.setAttribute('rpc.grpc.status_code', status.code);
        if (status.code !== Status.OK) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: status.details });
        }
        span.end();
      },
    };
  };
}
