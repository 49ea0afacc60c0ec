import { SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { LayerSteps, ServerLayer } from '../server-layer.js';
import { isServerSpanError, metadataGetter, propagator } from '../trace-context.js';

/**
 * Starts a server span as the child of the caller's span (W3C `traceparent` in the metadata) and
 * puts it in the call's context, which the handler runs in, so logs and outgoing calls made by
 * the handler carry the trace.
 */
export function serverTracingLayer(tracer: Tracer): ServerLayer {
  const steps: LayerSteps = {
    onReceiveMetadata: (metadata, { info, state }) => {
      const parent = propagator.extract(state.context, metadata, metadataGetter);
      const span = tracer.startSpan(
        `${info.service}/${info.method}`,
        { kind: SpanKind.SERVER },
        parent,
      );
      state.traceId = span.spanContext().traceId;
      // Most calls are not sampled: their span records nothing, so the attributes are set only
      // on a recording span (the SDK copies and checks attributes given at start on every call).
      if (span.isRecording()) {
        span.setAttributes({
          'rpc.system': 'grpc',
          'rpc.service': info.service,
          'rpc.method': info.method,
        });
      }
      state.context = trace.setSpan(parent, span);
    },
    onEnd: (end, { state }) => {
      // The span is in the call's context, whatever later layers added to it.
      const span = trace.getSpan(state.context);
      if (!span?.isRecording()) return;
      span.setAttribute('rpc.grpc.status_code', end.code);
      if (isServerSpanError(end.code)) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: end.details });
      }
      span.end();
    },
  };
  return () => steps;
}
