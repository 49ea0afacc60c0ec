import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import { methodMetrics, type MethodMetrics } from '../metrics.js';
import { describeService, type MethodDefinitionLike } from '../method.js';

/** Counts calls, messages and outcomes with the go-grpc-prometheus grpc_client_* names. */
export function clientMetricsInterceptor(
  registry: Registry,
  definition: Record<string, MethodDefinitionLike>,
): Interceptor {
  const byPath = new Map<string, MethodMetrics>(
    describeService(definition).map((info) => [info.path, methodMetrics(registry, 'client', info)]),
  );
  return (options, nextCall) => {
    const metrics = byPath.get(options.method_definition.path);
    if (!metrics) return new InterceptingCall(nextCall(options));
    const startMs = performance.now();
    metrics.started();
    return new InterceptingCall(nextCall(options), {
      start: (metadata, listener, next) =>
        next(metadata, {
          onReceiveMessage: (message, nextMessage) => {
            // grpc-js passes null to a unary call's listener when no response came.
            if (message !== null) metrics.received();
            nextMessage(message);
          },
          onReceiveStatus: (status, nextStatus) => {
            metrics.handled(status.code, (performance.now() - startMs) / 1000);
            nextStatus(status);
          },
        }),
      sendMessage: (message, next) => {
        metrics.sent();
        next(message);
      },
    });
  };
}
