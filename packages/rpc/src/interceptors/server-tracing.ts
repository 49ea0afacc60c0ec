import { ServerInterceptingCall, type ServerInterceptor } from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { adopt, callState } from '../call-state.js';
import { unknownMethod, type MethodInfo } from '../method.js';
import { isServerSpanError, metadataGetter, propagator } from '../trace-context.js';

/**
 * Starts a server span as the child of the caller's span (W3C `traceparent` in the metadata) and
 * puts it in the call's context, which the handler runs in (serverContextInterceptor), so logs
 * and outgoing calls made by the handler carry the trace.
 */
export function serverTracingInterceptor(
  tracer: Tracer,
  methods: ReadonlyMap<string, MethodInfo>,
): ServerInterceptor {
  return (method, call) => {
    const info = methods.get(method.path) ?? unknownMethod;
    const state = callState(call);
    const wrapped = new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            const parent = propagator.extract(state.context, metadata, metadataGetter);
            const span = tracer.startSpan(
              `${info.service}/${info.method}`,
              {
                kind: SpanKind.SERVER,
                attributes: {
                  'rpc.system': 'grpc',
                  'rpc.service': info.service,
                  'rpc.method': info.method,
                },
              },
              parent,
            );
            state.traceId = span.spanContext().traceId;
            state.onEnd((end) => {
              span.setAttribute('rpc.grpc.status_code', end.code);
              if (isServerSpanError(end.code)) {
                span.setStatus({ code: SpanStatusCode.ERROR, message: end.details });
              }
              span.end();
            });
            state.context = trace.setSpan(parent, span);
            nextMetadata(metadata);
          },
        }),
    });
    return adopt(wrapped, state);
  };
}
